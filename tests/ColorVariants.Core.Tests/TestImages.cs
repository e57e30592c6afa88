using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace ColorVariants.Core.Tests;

/// <summary>Images made in the test, so every expected value can be worked out by hand.</summary>
public static class TestImages
{
    /// <summary>A width x height picture filled with <paramref name="fill"/> and a 1-pixel border of <paramref name="border"/>.</summary>
    public static Image<Rgb24> Framed(int width, int height, Rgb24 fill, Rgb24 border)
    {
        var image = new Image<Rgb24>(width, height, fill);
        for (var x = 0; x < width; x++) { image[x, 0] = border; image[x, height - 1] = border; }
        for (var y = 0; y < height; y++) { image[0, y] = border; image[width - 1, y] = border; }
        return image;
    }

    public static byte[] Png(Image<Rgb24> image)
    {
        using var stream = new MemoryStream();
        image.Save(stream, new PngEncoder());
        return stream.ToArray();
    }

    public static byte[] Encode(Image<Rgb24> image, SixLabors.ImageSharp.Formats.IImageEncoder encoder)
    {
        using var stream = new MemoryStream();
        image.Save(stream, encoder);
        return stream.ToArray();
    }
}
