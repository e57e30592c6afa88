using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace ColorVariants.Core.Images;

/// <summary>
/// Fits a picture into a square without cropping or stretching it. The padding takes the
/// picture's own border colour (the per-channel median of its outermost pixels), so a
/// packshot on light grey is padded with that grey, not with a white band the model would see.
/// </summary>
public static class Letterbox
{
    public static void Apply(Image<Rgb24> image, int size)
    {
        var border = BorderColour(image);
        image.Mutate(x => x.Resize(new ResizeOptions
        {
            Size = new Size(size, size),
            Mode = ResizeMode.Pad,
            PadColor = Color.FromRgb(border.R, border.G, border.B),
            Sampler = KnownResamplers.Triangle,
        }));
    }

    public static Rgb24 BorderColour(Image<Rgb24> image) => BorderColour(Pixels.Of(image), image.Width, image.Height);

    /// <summary>The per-channel median of the outermost pixels of a <paramref name="width"/> x <paramref name="height"/> picture, row after row.</summary>
    public static Rgb24 BorderColour(ReadOnlySpan<Rgb24> pixels, int width, int height)
    {
        Span<int> histogram = stackalloc int[3 * 256];
        var count = 0;
        for (var y = 0; y < height; y++)
        {
            var row = pixels.Slice(y * width, width);
            if (y == 0 || y == height - 1)
            {
                foreach (var p in row) Add(histogram, p, ref count);
            }
            else
            {
                Add(histogram, row[0], ref count);
                if (row.Length > 1) Add(histogram, row[^1], ref count);
            }
        }
        return new Rgb24(Median(histogram[..256], count), Median(histogram[256..512], count), Median(histogram[512..], count));
    }

    private static void Add(Span<int> histogram, Rgb24 p, ref int count)
    {
        histogram[p.R]++;
        histogram[256 + p.G]++;
        histogram[512 + p.B]++;
        count++;
    }

    private static byte Median(ReadOnlySpan<int> histogram, int count)
    {
        var seen = 0;
        for (var value = 0; value < 256; value++)
        {
            seen += histogram[value];
            if (2 * seen >= count) return (byte)value;
        }
        return 255;
    }
}
