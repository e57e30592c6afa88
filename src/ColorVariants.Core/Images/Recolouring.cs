using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace ColorVariants.Core.Images;

/// <summary>
/// A made-up colour variant of a packshot: the garment (every pixel away from the border colour,
/// as <see cref="LumaEqualisation"/> counts it) dyed anew, the background left alone. A dye scales
/// the light a fabric reflects, so the change is a gain in linear light: one overall gain from a
/// twentieth to twenty times (black to white and back), a smaller one per channel, and the
/// channels shuffled, so that the tones of a print move against each other as they do between
/// real variants. Folds, seams and prints stay where they are: only colour changes. No label is
/// read, so any catalog can make these for itself (the paper's colour-jittered views, at the
/// level of the descriptor).
/// </summary>
public static class Recolouring
{
    /// <summary>The overall gain is e^u for u uniform in +-this: 3 spans 1/20 to 20.</summary>
    public const double OverallLogGain = 3.0;

    /// <summary>Each channel's own gain is e^u for u uniform in +-this.</summary>
    public const double ChannelLogGain = 0.7;

    /// <summary>A seed that depends on the product alone (not on the process, as string.GetHashCode does).</summary>
    public static int SeedOf(string sku) =>
        System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(sku)));

    /// <summary>Recolours <paramref name="image"/> in place, drawn from <paramref name="seed"/>: the same seed, the same dye.</summary>
    public static void Apply(Image<Rgb24> image, int seed)
    {
        var random = new Random(seed);
        var overall = random.NextDouble() * 2 - 1;
        int[] order = [0, 1, 2];
        random.Shuffle(order);
        byte[][] curves = [new byte[256], new byte[256], new byte[256]];
        for (var c = 0; c < 3; c++)
        {
            var gain = Math.Exp(OverallLogGain * overall + ChannelLogGain * (random.NextDouble() * 2 - 1));
            for (var level = 0; level < 256; level++)
                curves[c][level] = ToSrgb(Math.Min(1.0, ToLinear(level) * gain));
        }

        var border = Letterbox.BorderColour(image);
        var tolerance = LumaEqualisation.BackgroundTolerance;
        image.ProcessPixelRows(rows =>
        {
            for (var y = 0; y < rows.Height; y++)
            {
                foreach (ref var p in rows.GetRowSpan(y))
                {
                    if (Math.Abs(p.R - border.R) <= tolerance && Math.Abs(p.G - border.G) <= tolerance && Math.Abs(p.B - border.B) <= tolerance)
                        continue;
                    p = new Rgb24(curves[0][Channel(p, order[0])], curves[1][Channel(p, order[1])], curves[2][Channel(p, order[2])]);
                }
            }
        });
    }

    private static byte Channel(Rgb24 p, int channel) => channel switch { 0 => p.R, 1 => p.G, _ => p.B };

    private static double ToLinear(int level)
    {
        var v = level / 255.0;
        return v <= 0.04045 ? v / 12.92 : Math.Pow((v + 0.055) / 1.055, 2.4);
    }

    private static byte ToSrgb(double linear)
    {
        var v = linear <= 0.0031308 ? 12.92 * linear : 1.055 * Math.Pow(linear, 1 / 2.4) - 0.055;
        return (byte)Math.Clamp((int)Math.Round(255 * v), 0, 255);
    }
}
