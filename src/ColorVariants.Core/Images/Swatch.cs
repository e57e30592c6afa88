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
    /// Backdrop steps: a sample within this CIEDE2000 distance of a backdrop neighbour (or of the
    /// border colour) is backdrop too. JPEG noise and a studio backdrop's gradient stay well under
    /// it from one sample to the next; CIEDE2000 shrinks lightness steps near white, so white
    /// (255) on a light grey backdrop (238) is only 3.7 away: the bound stays below that, or
    /// white garments would vanish into their backdrop.
    /// </summary>
    public const double BackgroundDistance = 2.5;

    /// <summary>However gradual, the backdrop never drifts further than this from the border colour (so it does not creep into a garment over a soft edge).</summary>
    public const double BackgroundDrift = 12;

    /// <summary>When less than this share of the samples is left, the garment is the backdrop's colour (white on white): every sample counts.</summary>
    public const double MinGarmentShare = 0.02;

    /// <summary>Lab cell size of the histogram the dominant colour is read from.</summary>
    private const double Cell = 6;
    private const int LCells = 17, AbCells = 43; // L 0..100, a and b -128..128

    /// <summary>
    /// The dominant colour of the pixels that are not background. The background starts from the
    /// border colour (<see cref="Letterbox.BorderColour(Image{Rgb24})"/>): samples close to it,
    /// and every sample reached from the picture's edge in small steps (a flood fill: packshot
    /// backdrops are graded and vignetted, and a white border frames many). The rest go into a
    /// coarse CIELAB histogram; the cell whose 3x3x3
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

        // At least one row and column of samples, inside the picture: a picture 1 pixel wide (or high)
        // is sampled along its one column (or row), not skipped (no samples divided by zero).
        var (columns, rows) = (Math.Max(1, (width - step / 2 + step - 1) / step), Math.Max(1, (height - step / 2 + step - 1) / step));
        var samples = new (Rgb24 Rgb, Lab Lab)[columns * rows];
        for (var row = 0; row < rows; row++)
            for (var column = 0; column < columns; column++)
            {
                var rgb = pixels[Math.Min(step / 2 + row * step, height - 1) * width + Math.Min(step / 2 + column * step, width - 1)];
                samples[row * columns + column] = (rgb, Lab.FromRgb(rgb));
            }
        var isBackground = Backdrop(samples, columns, rows, background);
        var garment = samples.Where((_, i) => !isBackground[i]).ToList();
        if (garment.Count < MinGarmentShare * samples.Length) garment = [.. samples];

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

    /// <summary>The backdrop samples: near the border colour, or reached from the edge through small steps that never drift far from it.</summary>
    private static bool[] Backdrop((Rgb24 Rgb, Lab Lab)[] samples, int columns, int rows, Lab border)
    {
        var isBackground = new bool[samples.Length];
        var toBorder = samples.Select(s => Ciede2000.Difference(s.Lab, border)).ToArray();
        var queue = new Queue<int>();
        for (var i = 0; i < samples.Length; i++)
        {
            var (row, column) = (i / columns, i % columns);
            var onEdge = row == 0 || column == 0 || row == rows - 1 || column == columns - 1;
            if (toBorder[i] <= BackgroundDistance || (onEdge && toBorder[i] <= BackgroundDrift))
            {
                isBackground[i] = true;
                queue.Enqueue(i);
            }
        }
        while (queue.TryDequeue(out var i))
        {
            var (row, column) = (i / columns, i % columns);
            foreach (var next in (ReadOnlySpan<int>)[column > 0 ? i - 1 : -1, column < columns - 1 ? i + 1 : -1, row > 0 ? i - columns : -1, row < rows - 1 ? i + columns : -1])
            {
                if (next < 0 || isBackground[next] || toBorder[next] > BackgroundDrift) continue;
                if (Ciede2000.Difference(samples[next].Lab, samples[i].Lab) > BackgroundDistance) continue;
                isBackground[next] = true;
                queue.Enqueue(next);
            }
        }
        return isBackground;
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
