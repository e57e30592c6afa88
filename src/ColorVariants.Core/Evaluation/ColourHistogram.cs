using ColorVariants.Core.Embedding;
using ColorVariants.Core.Images;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace ColorVariants.Core.Evaluation;

/// <summary>
/// EVALUATION.md's colour baseline: a joint RGB histogram (8 bins a channel, 512 values) of the
/// letterboxed picture, L2-normalised. It sees nothing but colour, the very thing colour variants
/// differ in, so it marks the floor.
/// </summary>
public static class ColourHistogram
{
    public const int BinsPerChannel = 8;
    public const int Dimensions = BinsPerChannel * BinsPerChannel * BinsPerChannel;

    public static float[] Compute(Image<Rgb24> square)
    {
        var histogram = new float[Dimensions];
        var pixels = Pixels.Of(square);
        const int shift = 5; // 256 / 8 levels a bin
        foreach (var p in pixels)
            histogram[((p.R >> shift) * BinsPerChannel + (p.G >> shift)) * BinsPerChannel + (p.B >> shift)]++;
        VectorMath.Normalize(histogram);
        return histogram;
    }
}
