using System.Text;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace ColorVariants.Training.Tests.Trainers;

/// <summary>
/// A throwaway catalog of 64-pixel product-like pictures: <see cref="Designs"/> shapes on white, each in
/// <see cref="Colours"/> colours; the style is the design, so a style's images are its colour variants.
/// One folder (and one image cache) for all trainer tests.
/// </summary>
public sealed class GeneratedCatalog : IDisposable
{
    public const int Size = 64;
    public const int Designs = 8;
    public static IReadOnlyList<Rgb24> Colours { get; } =
        [new(200, 30, 30), new(30, 160, 60), new(40, 60, 200), new(230, 200, 40)];

    public GeneratedCatalog()
    {
        Root = Directory.CreateTempSubdirectory("cv-trainer-").FullName;
        CatalogFolder = Path.Combine(Root, "catalog");
        CacheDirectory = Path.Combine(Root, "cache");
        Directory.CreateDirectory(Path.Combine(CatalogFolder, "images"));
        var csv = new StringBuilder("sku,image,style,category\n");
        for (var design = 0; design < Designs; design++)
        {
            for (var colour = 0; colour < Colours.Count; colour++)
            {
                var sku = $"d{design}-c{colour}";
                var file = $"images/{sku}.png";
                using var image = Picture(design, Colours[colour]);
                image.SaveAsPng(Path.Combine(CatalogFolder, file));
                csv.Append($"{sku},{file},design-{design},shapes\n");
            }
        }
        File.WriteAllText(Path.Combine(CatalogFolder, "catalog.csv"), csv.ToString());
    }

    public string Root { get; }
    public string CatalogFolder { get; }
    public string CacheDirectory { get; }
    public static int Images => Designs * Colours.Count;

    /// <summary>A fresh output folder for one run.</summary>
    public string NewOutputDirectory() => Path.Combine(Root, "runs", Guid.NewGuid().ToString("N"));

    /// <summary>Design <paramref name="design"/> in <paramref name="colour"/> on an off-white background.</summary>
    public static Image<Rgb24> Picture(int design, Rgb24 colour)
    {
        var image = new Image<Rgb24>(Size, Size);
        var background = new Rgb24(245, 245, 245);
        for (var y = 0; y < Size; y++)
            for (var x = 0; x < Size; x++)
                image[x, y] = Inside(design, x - Size / 2.0 + 0.5, y - Size / 2.0 + 0.5) ? colour : background;
        return image;
    }

    /// <summary>Whether the point (centred coordinates) is on the design's shape.</summary>
    private static bool Inside(int design, double x, double y)
    {
        var r = Math.Sqrt(x * x + y * y);
        return design switch
        {
            0 => r < 22,                                                        // disc
            1 => Math.Abs(x) < 18 && Math.Abs(y) < 18,                          // square
            2 => y > -22 && y < 18 && Math.Abs(x) < (y + 22) / 2,               // triangle
            3 => Math.Abs(x) < 24 && Math.Abs(y) < 24 && (int)Math.Floor(y / 6) % 2 == 0, // horizontal stripes
            4 => Math.Abs(x) < 24 && Math.Abs(y) < 24 && (int)Math.Floor(x / 6) % 2 == 0, // vertical stripes
            5 => (Math.Abs(x) < 6 && Math.Abs(y) < 26) || (Math.Abs(y) < 6 && Math.Abs(x) < 26), // cross
            6 => r is > 14 and < 24,                                            // ring
            _ => Math.Abs(x) < 24 && y is > -26 and < 0,                        // top half only: a "top" garment
        };
    }

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); }
        catch (IOException) { /* best effort in a temp folder */ }
    }
}

[CollectionDefinition(Name)]
public sealed class GeneratedCatalogCollection : ICollectionFixture<GeneratedCatalog>
{
    /// <summary>The trainer tests share the catalog and run one after another: each is CPU-heavy.</summary>
    public const string Name = "generated catalog";
}
