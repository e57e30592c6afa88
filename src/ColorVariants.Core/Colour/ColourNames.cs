using SixLabors.ImageSharp.PixelFormats;

namespace ColorVariants.Core.Colour;

/// <summary>
/// A small fixed palette of plain colour names, as a shop says them; a colour is called by the
/// nearest entry in CIEDE2000. The palette is part of the stored data (products keep the name
/// they were given), so change it with a backfill in mind.
/// </summary>
public static class ColourNames
{
    private static readonly (string Name, Lab Lab)[] Palette = new (string Name, Rgb24 Rgb)[]
    {
        ("black", new Rgb24(20, 20, 20)),
        ("grey", new Rgb24(128, 128, 128)),
        ("light grey", new Rgb24(200, 200, 200)),
        ("white", new Rgb24(250, 250, 250)),
        ("navy", new Rgb24(31, 42, 80)),
        ("blue", new Rgb24(40, 80, 180)),
        ("light blue", new Rgb24(158, 197, 232)),
        ("turquoise", new Rgb24(48, 181, 176)),
        ("green", new Rgb24(46, 139, 62)),
        ("dark green", new Rgb24(31, 77, 43)),
        ("khaki", new Rgb24(122, 122, 74)),
        ("beige", new Rgb24(217, 198, 165)),
        ("brown", new Rgb24(107, 74, 47)),
        ("yellow", new Rgb24(242, 208, 34)),
        ("orange", new Rgb24(240, 127, 30)),
        ("red", new Rgb24(200, 32, 42)),
        ("burgundy", new Rgb24(109, 26, 42)),
        ("pink", new Rgb24(242, 166, 192)),
        ("purple", new Rgb24(106, 61, 154)),
        ("lilac", new Rgb24(185, 162, 211)),
    }.Select(entry => (entry.Name, Lab.FromRgb(entry.Rgb))).ToArray();

    public static IEnumerable<string> All => Palette.Select(p => p.Name);

    /// <summary>The palette's nearest name; ties go to the earlier entry.</summary>
    public static string Nearest(Lab colour)
    {
        var best = 0;
        var bestDistance = double.MaxValue;
        for (var i = 0; i < Palette.Length; i++)
        {
            var distance = Ciede2000.Difference(colour, Palette[i].Lab);
            if (distance < bestDistance) (best, bestDistance) = (i, distance);
        }
        return Palette[best].Name;
    }
}
