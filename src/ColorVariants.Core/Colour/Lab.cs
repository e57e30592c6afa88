using SixLabors.ImageSharp.PixelFormats;

namespace ColorVariants.Core.Colour;

/// <summary>
/// A colour in CIELAB (D65 white, the sRGB standard's): distances there follow what people see,
/// which sRGB's do not, so swatches are found, named and compared in it.
/// </summary>
public readonly record struct Lab(double L, double A, double B)
{
    // sRGB to linear light, once per byte value.
    private static readonly double[] Linear = Enumerable.Range(0, 256).Select(v =>
    {
        var c = v / 255.0;
        return c <= 0.04045 ? c / 12.92 : Math.Pow((c + 0.055) / 1.055, 2.4);
    }).ToArray();

    public static Lab FromRgb(Rgb24 rgb)
    {
        double r = Linear[rgb.R], g = Linear[rgb.G], b = Linear[rgb.B];
        // IEC 61966-2-1 sRGB to XYZ, each divided by the D65 white point's.
        var x = (0.4124564 * r + 0.3575761 * g + 0.1804375 * b) / 0.95047;
        var y = 0.2126729 * r + 0.7151522 * g + 0.0721750 * b;
        var z = (0.0193339 * r + 0.1191920 * g + 0.9503041 * b) / 1.08883;
        double fx = F(x), fy = F(y), fz = F(z);
        return new Lab(116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz));
    }

    private static double F(double t) =>
        t > 216.0 / 24389 ? Math.Cbrt(t) : t * (24389.0 / 27 / 116) + 16.0 / 116;
}
