using System.Text;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace ColorVariants.Training.Tests.Data;

/// <summary>A throwaway catalog folder: small generated pictures of odd sizes, one undecodable file, and catalog.csv.</summary>
internal sealed class TestCatalog : IDisposable
{
    public const string BrokenSku = "broken-1";

    public TestCatalog()
    {
        Root = Path.Combine(Path.GetTempPath(), $"cv-catalog-{Guid.NewGuid():N}");
        CacheDirectory = Path.Combine(Root, "cache");
        Directory.CreateDirectory(Path.Combine(Root, "images"));
        var csv = new StringBuilder("sku,image,style,category\n");
        (string Sku, string? Style, int Width, int Height, bool Png)[] rows =
        [
            ("a-1", "style-a", 40, 30, true),
            ("a-2", "style-a", 30, 44, false),
            ("b-1", "style-b", 25, 25, true),
            ("b-2", "style-b", 50, 20, false),
            ("solo-1", null, 33, 27, true),
        ];
        var seed = 1;
        foreach (var (sku, style, width, height, png) in rows)
        {
            var file = $"images/{sku}.{(png ? "png" : "jpg")}";
            using var image = Pattern(width, height, seed++);
            if (png) image.SaveAsPng(Path.Combine(Root, file));
            else image.SaveAsJpeg(Path.Combine(Root, file));
            csv.Append($"{sku},{file},{style},tops\n");
        }
        File.WriteAllBytes(Path.Combine(Root, "images", "broken.jpg"), [0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3]);
        csv.Append($"{BrokenSku},images/broken.jpg,style-b,tops\n");
        File.WriteAllText(Path.Combine(Root, "catalog.csv"), csv.ToString());
    }

    public string Root { get; }
    public string CacheDirectory { get; }
    public int GoodImages => 5;

    /// <summary>Smooth gradients plus noise: every channel and position differs.</summary>
    public static Image<Rgb24> Pattern(int width, int height, int seed)
    {
        var random = new Random(seed);
        var image = new Image<Rgb24>(width, height);
        for (var y = 0; y < height; y++)
            for (var x = 0; x < width; x++)
                image[x, y] = new Rgb24(
                    (byte)Math.Clamp(255 * x / width + random.Next(-20, 21), 0, 255),
                    (byte)Math.Clamp(255 * y / height + random.Next(-20, 21), 0, 255),
                    (byte)random.Next(256));
        return image;
    }

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); }
        catch (IOException) { /* best effort in a temp folder */ }
    }
}
