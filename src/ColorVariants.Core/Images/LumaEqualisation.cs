using SixLabors.ImageSharp.PixelFormats;

namespace ColorVariants.Core.Images;

/// <summary>
/// Histogram equalisation of a packshot's luma, counted on the garment only. Colour variants
/// differ most in lightness (black, white, navy, beige), so a gray model still ranks by shade;
/// after this tone curve a garment's darkest tones are black and its lightest white whatever its
/// colour, and what is left is the design: seams, prints, folds. The garment is every pixel that
/// differs from the picture's border colour (the background a packshot is shot on).
/// </summary>
public static class LumaEqualisation
{
    /// <summary>How far (0-255, any channel) a pixel must be from the border colour to count as garment.</summary>
    public const int BackgroundTolerance = 12;

    /// <summary>Below this share of garment pixels the whole picture is counted instead.</summary>
    public const double MinimumGarmentShare = 0.02;

    /// <summary>The luma histogram bin of a luma value.</summary>
    public static int Level(float luma) => Math.Clamp((int)(luma + 0.5f), 0, 255);

    /// <summary>
    /// Fills <paramref name="curve"/> (256 entries, luma level to output luma) with the
    /// equalising tone curve of a <paramref name="side"/> square's pixels.
    /// </summary>
    public static void ToneCurve(ReadOnlySpan<Rgb24> pixels, int side, Span<float> curve) => ToneCurve(pixels, side, curve, stretch: false);

    /// <summary>
    /// The linear alternative: the garment's 1st to 99th luma percentile stretched to 0-255
    /// (clamped beyond), which keeps the tones' spacing where equalisation flattens it.
    /// </summary>
    public static void StretchCurve(ReadOnlySpan<Rgb24> pixels, int side, Span<float> curve) => ToneCurve(pixels, side, curve, stretch: true);

    private static void ToneCurve(ReadOnlySpan<Rgb24> pixels, int side, Span<float> curve, bool stretch)
    {
        if (curve.Length != 256) throw new ArgumentException("The curve has 256 entries.", nameof(curve));
        var border = Letterbox.BorderColour(pixels, side, side);
        Span<int> histogram = stackalloc int[256];
        Span<int> all = stackalloc int[256];
        var garment = 0;
        var weights = PreprocessingSpec.LumaWeights;
        foreach (var p in pixels)
        {
            var level = Level(weights[0] * p.R + weights[1] * p.G + weights[2] * p.B);
            all[level]++;
            if (Math.Abs(p.R - border.R) > BackgroundTolerance || Math.Abs(p.G - border.G) > BackgroundTolerance || Math.Abs(p.B - border.B) > BackgroundTolerance)
            {
                histogram[level]++;
                garment++;
            }
        }
        if (garment < MinimumGarmentShare * pixels.Length)
        {
            all.CopyTo(histogram);
            garment = pixels.Length;
        }

        if (stretch)
        {
            var low = Percentile(histogram, garment, 0.01);
            var high = Math.Max(Percentile(histogram, garment, 0.99), low + 1);
            for (var level = 0; level < 256; level++)
                curve[level] = Math.Clamp(255f * (level - low) / (high - low), 0f, 255f);
            return;
        }

        // The classic mapping: a level's share of pixels at or below it, the lowest present level at 0.
        var first = 0;
        while (first < 255 && histogram[first] == 0) first++;
        var lowest = histogram[first];
        var cumulative = 0;
        for (var level = 0; level < 256; level++)
        {
            cumulative += histogram[level];
            curve[level] = garment == lowest ? level : 255f * Math.Max(0, cumulative - lowest) / (garment - lowest);
        }
    }

    private static int Percentile(ReadOnlySpan<int> histogram, int count, double share)
    {
        var target = share * count;
        var seen = 0;
        for (var level = 0; level < 256; level++)
            if ((seen += histogram[level]) >= target) return level;
        return 255;
    }
}
