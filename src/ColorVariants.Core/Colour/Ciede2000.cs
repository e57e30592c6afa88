namespace ColorVariants.Core.Colour;

/// <summary>
/// The CIEDE2000 colour difference (CIE 142-2001), as Sharma, Wu and Dalal give it ("The
/// CIEDE2000 color-difference formula: implementation notes, supplementary test data, and
/// mathematical observations", 2005), with kL = kC = kH = 1. About 1 is a just noticeable difference.
/// </summary>
public static class Ciede2000
{
    private const double Pow25To7 = 6103515625.0; // 25^7

    public static double Difference(Lab first, Lab second)
    {
        var (l1, a1, b1) = (first.L, first.A, first.B);
        var (l2, a2, b2) = (second.L, second.A, second.B);

        var meanC = (Math.Sqrt(a1 * a1 + b1 * b1) + Math.Sqrt(a2 * a2 + b2 * b2)) / 2;
        var meanC7 = Math.Pow(meanC, 7);
        var g = 0.5 * (1 - Math.Sqrt(meanC7 / (meanC7 + Pow25To7)));
        double a1p = (1 + g) * a1, a2p = (1 + g) * a2;
        double c1p = Math.Sqrt(a1p * a1p + b1 * b1), c2p = Math.Sqrt(a2p * a2p + b2 * b2);
        double h1p = Hue(b1, a1p), h2p = Hue(b2, a2p);

        var deltaL = l2 - l1;
        var deltaC = c2p - c1p;
        var chromaProduct = c1p * c2p;
        var deltaH = h2p - h1p;
        if (chromaProduct == 0) deltaH = 0;
        else if (deltaH > 180) deltaH -= 360;
        else if (deltaH < -180) deltaH += 360;
        var deltaBigH = 2 * Math.Sqrt(chromaProduct) * Math.Sin(Radians(deltaH / 2));

        var meanL = (l1 + l2) / 2;
        var meanCp = (c1p + c2p) / 2;
        var meanH = h1p + h2p;
        if (chromaProduct != 0)
            meanH = Math.Abs(h1p - h2p) <= 180 ? meanH / 2 : meanH < 360 ? (meanH + 360) / 2 : (meanH - 360) / 2;

        var t = 1 - 0.17 * Math.Cos(Radians(meanH - 30)) + 0.24 * Math.Cos(Radians(2 * meanH))
                + 0.32 * Math.Cos(Radians(3 * meanH + 6)) - 0.20 * Math.Cos(Radians(4 * meanH - 63));
        var deltaTheta = 30 * Math.Exp(-Math.Pow((meanH - 275) / 25, 2));
        var meanCp7 = Math.Pow(meanCp, 7);
        var rc = 2 * Math.Sqrt(meanCp7 / (meanCp7 + Pow25To7));
        var lOffset = (meanL - 50) * (meanL - 50);
        var sl = 1 + 0.015 * lOffset / Math.Sqrt(20 + lOffset);
        var sc = 1 + 0.045 * meanCp;
        var sh = 1 + 0.015 * meanCp * t;
        var rt = -Math.Sin(Radians(2 * deltaTheta)) * rc;

        double dl = deltaL / sl, dc = deltaC / sc, dh = deltaBigH / sh;
        return Math.Sqrt(dl * dl + dc * dc + dh * dh + rt * dc * dh);
    }

    /// <summary>The hue angle in degrees, 0 to 360; 0 for a neutral colour.</summary>
    private static double Hue(double b, double aPrime)
    {
        if (b == 0 && aPrime == 0) return 0;
        var degrees = Math.Atan2(b, aPrime) * 180 / Math.PI;
        return degrees < 0 ? degrees + 360 : degrees;
    }

    private static double Radians(double degrees) => degrees * Math.PI / 180;
}
