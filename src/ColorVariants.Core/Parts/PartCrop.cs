using System.Globalization;

namespace ColorVariants.Core.Parts;

/// <summary>
/// A FIXED part of the letterboxed product picture, as fractions of its side: the paper's
/// alternative to random crops. The trainer crops these parts from its tensors and the exporter
/// writes the same crops into the ONNX graph, both through <see cref="ToPixels"/>.
/// </summary>
public sealed record PartCrop(string Name, double Top, double Bottom, double Left = 0, double Right = 1)
{
    public static PartCrop Whole { get; } = new("whole", 0, 1);

    public static IReadOnlyList<PartCrop> Default { get; } =
    [
        Whole,
        new("top", 0, 0.5),
        new("bottom", 0.5, 1),
    ];

    /// <summary>Rows [Y0, Y1) and columns [X0, X1) of the part in a square of side <paramref name="size"/>.</summary>
    public (int Y0, int Y1, int X0, int X1) ToPixels(int size)
    {
        static int At(double fraction, int size) => (int)Math.Round(fraction * size, MidpointRounding.AwayFromZero);
        return (At(Top, size), At(Bottom, size), At(Left, size), At(Right, size));
    }

    public override string ToString() => Left == 0 && Right == 1
        ? string.Create(CultureInfo.InvariantCulture, $"{Name}={Top}:{Bottom}")
        : string.Create(CultureInfo.InvariantCulture, $"{Name}={Top}:{Bottom}/{Left}:{Right}");

    public static string Format(IEnumerable<PartCrop> parts) => string.Join(',', parts);

    /// <summary>Parses "whole=0:1,top=0:0.5,bottom=0.5:1"; a part may add "/left:right" for columns.</summary>
    public static IReadOnlyList<PartCrop> Parse(string text)
    {
        var parts = new List<PartCrop>();
        foreach (var item in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var nameAndRange = item.Split('=', 2);
            if (nameAndRange.Length != 2 || nameAndRange[0].Length == 0)
                throw new FormatException($"Part '{item}' is not name=top:bottom[/left:right].");
            var ranges = nameAndRange[1].Split('/');
            var (top, bottom) = Range(ranges[0], item);
            var (left, right) = ranges.Length > 1 ? Range(ranges[1], item) : (0, 1);
            parts.Add(new PartCrop(nameAndRange[0], top, bottom, left, right));
        }
        if (parts.Count == 0) throw new FormatException("No parts given.");
        if (parts.Select(p => p.Name).Distinct().Count() != parts.Count) throw new FormatException("Part names must differ.");
        return parts;
    }

    private static (double From, double To) Range(string text, string item)
    {
        var bounds = text.Split(':');
        if (bounds.Length != 2
            || !double.TryParse(bounds[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var from)
            || !double.TryParse(bounds[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var to)
            || from < 0 || to > 1 || from >= to)
            throw new FormatException($"Part '{item}': a range is from:to with 0 <= from < to <= 1.");
        return (from, to);
    }
}
