using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace ColorVariants.Core.Images;

internal static class Pixels
{
    /// <summary>All pixels, row after row. Images of product-photo size sit in one buffer; others are copied.</summary>
    public static ReadOnlySpan<Rgb24> Of(Image<Rgb24> image)
    {
        if (image.DangerousTryGetSinglePixelMemory(out var memory))
            return memory.Span;
        var copy = new Rgb24[image.Width * image.Height];
        image.CopyPixelDataTo(copy);
        return copy;
    }
}
