using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace ColorVariants.Core.Images;

/// <summary>Fills a model's CHW float input from a letterboxed square, as the spec says.</summary>
public static class TensorWriter
{
    public static void Write(Image<Rgb24> square, PreprocessingSpec spec, Span<float> destination)
    {
        var size = spec.InputSize;
        if (square.Width != size || square.Height != size)
            throw new ArgumentException($"Expected a {size}x{size} image, got {square.Width}x{square.Height}.", nameof(square));
        Write(Pixels.Of(square), spec, destination);
    }

    /// <summary>Same, from the pixels of a square of side <see cref="PreprocessingSpec.InputSize"/>, row after row.</summary>
    public static void Write(ReadOnlySpan<Rgb24> pixels, PreprocessingSpec spec, Span<float> destination)
    {
        var plane = spec.InputSize * spec.InputSize;
        if (pixels.Length != plane)
            throw new ArgumentException($"Expected {plane} pixels, got {pixels.Length}.", nameof(pixels));
        if (destination.Length != 3 * plane)
            throw new ArgumentException($"Expected {3 * plane} floats, got {destination.Length}.", nameof(destination));

        // Input channel c reads pixel channel source[c]: (R, G, B) or (B, G, R).
        ReadOnlySpan<int> source = spec.ChannelOrder == ChannelOrder.Rgb ? [0, 1, 2] : [2, 1, 0];
        Span<float> scale = [1f / spec.Std[0], 1f / spec.Std[1], 1f / spec.Std[2]];
        Span<float> rgb = stackalloc float[3];
        var luma = PreprocessingSpec.LumaWeights;
        var gray = spec.ColourMode != ColourMode.Rgb;
        Span<float> toneCurve = stackalloc float[256];
        var equalised = spec.ColourMode is ColourMode.GrayEqualised or ColourMode.GrayStretched;
        if (spec.ColourMode == ColourMode.GrayEqualised) LumaEqualisation.ToneCurve(pixels, spec.InputSize, toneCurve);
        if (spec.ColourMode == ColourMode.GrayStretched) LumaEqualisation.StretchCurve(pixels, spec.InputSize, toneCurve);

        for (var i = 0; i < plane; i++)
        {
            var p = pixels[i];
            if (gray)
            {
                var y = luma[0] * p.R + luma[1] * p.G + luma[2] * p.B;
                rgb[0] = rgb[1] = rgb[2] = equalised ? toneCurve[LumaEqualisation.Level(y)] : y;
            }
            else
            {
                rgb[0] = p.R;
                rgb[1] = p.G;
                rgb[2] = p.B;
            }
            for (var c = 0; c < 3; c++)
                destination[c * plane + i] = (rgb[source[c]] - spec.Mean[c]) * scale[c];
        }
    }
}
