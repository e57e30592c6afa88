using System.Globalization;
using ColorVariants.Core.Colour;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace ColorVariants.Core.Images;

/// <summary>
/// A product's dominant garment colour, as sRGB hex (#rrggbb) and a plain name (<see cref="ColourNames"/>),
/// so a frontend can draw a swatch without fetching the picture.
/// </summary>
public sealed record Swatch(string Hex, string Name)
{
    /// <summary>Pixels sampled at most (on a regular grid): a packshot's colour is settled long before its last pixel, and a 40 MP upload costs no more.</summary>
    public const int MaxSamples = 16_384;

    /// <summary>
    /// Pixels within this CIEDE2000 distance of the background (the picture's border colour) are
    /// background: JPEG noise on a plain backdrop stays well under it. CIEDE2000 shrinks lightness
    /// steps near white, so white (255) on a light grey backdrop (238) is only 3.7 away: the
    /// bound must stay below that or white garments vanish into their backdrop.
    /// </summary>
    public const double BackgroundDistance = 2.5;

    /// <summary>When less than this share of the samples is left, the garment is the backdrop's colour (white on white): every sample counts.</summary>
    public const double MinGarmentShare = 0.02;

    /// <summary>Lab cell size of the histogram the dominant colour is read from.</summary>
    private const double Cell = 6;
    private const int LCells = 17, AbCells = 43; // L 0..100, a and b -128..128

    /// <summary>
    /// The dominant colour of the pixels that are not background: the background is estimated as
    /// the border colour (<see cref="Letterbox.BorderColour(Image{Rgb24})"/>), pixels close to it
    /// are dropped, and the rest go into a coarse CIELAB histogram; the cell whose 3x3x3
    /// neighbourhood holds most of them wins (so a colour on a cell edge is not split in two), and
    /// the swatch is the mean sRGB of the pixels in that neighbourhood. Deterministic: no random
    /// starts, ties go to the first cell.
    /// </summary>
    public static Swatch Of(Image<Rgb24> image)
    {
        var pixels = Pixels.Of(image);
        var (width, height) = (image.Width, image.Height);
        var background = Lab.FromRgb(Letterbox.BorderColour(pixels, width, height));
        var step = Math.Max(1, (int)Math.Ceiling(Math.Sqrt((double)width * height / MaxSamples)));

        var samples = new List<(Rgb24 Rgb, Lab Lab)>();
        for (var y = step / 2; y < height; y += step)
            for (var x = step / 2; x < width; x += step)
            {
                var rgb = pixels[y * width + x];
                samples.Add((rgb, Lab.FromRgb(rgb)));
            }
        var garment = samples.Where(s => Ciede2000.Difference(s.Lab, background) > BackgroundDistance).ToList();
        if (garment.Count < MinGarmentShare * samples.Count) garment = samples;

        var counts = new int[LCells * AbCells * AbCells];
        var cells = garment.Select(s => CellOf(s.Lab)).ToArray();
        foreach (var (l, a, b) in cells) counts[Index(l, a, b)]++;

        var best = (L: 0, A: 0, B: 0);
        var bestCount = -1;
        foreach (var cell in cells.Distinct().OrderBy(c => Index(c.L, c.A, c.B)))
        {
            var around = Neighbourhood(counts, cell);
            if (around > bestCount) (best, bestCount) = (cell, around);
        }

        long r = 0, g = 0, blue = 0, n = 0;
        for (var i = 0; i < garment.Count; i++)
        {
            var c = cells[i];
            if (Math.Abs(c.L - best.L) > 1 || Math.Abs(c.A - best.A) > 1 || Math.Abs(c.B - best.B) > 1) continue;
            r += garment[i].Rgb.R;
            g += garment[i].Rgb.G;
            blue += garment[i].Rgb.B;
            n++;
        }
        var mean = new Rgb24(Mean(r, n), Mean(g, n), Mean(blue, n));
        return new Swatch(ToHex(mean), ColourNames.Nearest(Lab.FromRgb(mean)));
    }

    /// <summary>The CIEDE2000 difference of two swatches' colours.</summary>
    public double Difference(Swatch other) => Ciede2000.Difference(Lab.FromRgb(ParseHex(Hex)), Lab.FromRgb(ParseHex(other.Hex)));

    public static string ToHex(Rgb24 rgb) => $"#{rgb.R:x2}{rgb.G:x2}{rgb.B:x2}";

    public static Rgb24 ParseHex(string hex)
    {
        if (hex is not ['#', _, _, _, _, _, _] || !int.TryParse(hex.AsSpan(1), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value))
            throw new FormatException($"'{hex}' is not a #rrggbb colour.");
        return new Rgb24((byte)(value >> 16), (byte)(value >> 8), (byte)value);
    }

    private static byte Mean(long sum, long count) => (byte)((sum + count / 2) / count);

    private static (int L, int A, int B) CellOf(Lab lab) => (
        Math.Clamp((int)(lab.L / Cell), 0, LCells - 1),
        Math.Clamp((int)((lab.A + 128) / Cell), 0, AbCells - 1),
        Math.Clamp((int)((lab.B + 128) / Cell), 0, AbCells - 1));

    private static int Index(int l, int a, int b) => (l * AbCells + a) * AbCells + b;

    private static int Neighbourhood(int[] counts, (int L, int A, int B) cell)
    {
        var sum = 0;
        for (var l = Math.Max(0, cell.L - 1); l <= Math.Min(LCells - 1, cell.L + 1); l++)
            for (var a = Math.Max(0, cell.A - 1); a <= Math.Min(AbCells - 1, cell.A + 1); a++)
                for (var b = Math.Max(0, cell.B - 1); b <= Math.Min(AbCells - 1, cell.B + 1); b++)
                    sum += counts[Index(l, a, b)];
        return sum;
    }
}
