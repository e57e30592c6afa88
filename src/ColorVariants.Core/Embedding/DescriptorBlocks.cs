using System.Globalization;
using ColorVariants.Core.Models;

namespace ColorVariants.Core.Embedding;

/// <summary>
/// One descriptor inside a model's output: <paramref name="Length"/> values that are whitened on
/// their own and weigh <paramref name="Weight"/> in the cosine of the whole (the weights sum to 1).
/// </summary>
public sealed record DescriptorBlock(string Name, int Length, float Weight);

/// <summary>
/// How a model's output is laid out: one block (a network's descriptor), or several side by side
/// (the network's and the structure descriptor's). Written in the model file
/// (<see cref="ModelMetadataKeys.Blocks"/>, e.g. "cnn=2304:0.6,structure=900:0.4"), so the service
/// and the CLI fuse the same way: each block is whitened on the catalog by itself, and the fused
/// cosine is the weighted sum of the blocks' cosines.
/// </summary>
public static class DescriptorBlocks
{
    public static IReadOnlyList<DescriptorBlock> Single(int length) => [new("all", length, 1f)];

    public static string Format(IReadOnlyList<DescriptorBlock> blocks) => string.Join(',',
        blocks.Select(b => string.Create(CultureInfo.InvariantCulture, $"{b.Name}={b.Length}:{b.Weight:R}")));

    /// <summary>Reads what <see cref="Format"/> writes; the weights are scaled to sum to 1.</summary>
    public static IReadOnlyList<DescriptorBlock> Parse(string text)
    {
        var blocks = new List<DescriptorBlock>();
        foreach (var item in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var (name, rest) = item.Split('=', 2) is [var n, var r] ? (n, r) : ("block" + blocks.Count, item);
            if (rest.Split(':') is not [var lengthText, var weightText]
                || !int.TryParse(lengthText, NumberStyles.None, CultureInfo.InvariantCulture, out var length) || length < 1
                || !float.TryParse(weightText, NumberStyles.Float, CultureInfo.InvariantCulture, out var weight) || !(weight > 0) || float.IsInfinity(weight))
                throw new FormatException($"'{item}' is not name=length:weight with a positive length and weight.");
            blocks.Add(new DescriptorBlock(name, length, weight));
        }
        if (blocks.Count == 0) throw new FormatException("No blocks given.");
        var total = blocks.Sum(b => b.Weight);
        return blocks.Select(b => b with { Weight = b.Weight / total }).ToList();
    }

    /// <summary>The model's blocks, or one block of its whole output when its file names none.</summary>
    public static IReadOnlyList<DescriptorBlock> FromMetadata(IReadOnlyDictionary<string, string> metadata, int dimensions)
    {
        if (!metadata.TryGetValue(ModelMetadataKeys.Blocks, out var text)) return Single(dimensions);
        var blocks = Parse(text);
        if (blocks.Sum(b => b.Length) != dimensions)
            throw new InvalidDataException($"The model's blocks ({text}) do not add up to its {dimensions} dimensions.");
        return blocks;
    }
}

/// <summary>Each block's own cosine between two fused vectors.</summary>
public static class BlockCosines
{
    /// <summary>
    /// Writes each block's cosine into <paramref name="destination"/>. Both the whitened vectors and
    /// a fused model's raw output hold block b at length sqrt(weight b) in a unit vector, so the
    /// block's cosine is its slice's dot product over its weight.
    /// </summary>
    public static void Of(ReadOnlySpan<float> a, ReadOnlySpan<float> b, IReadOnlyList<DescriptorBlock> blocks, Span<float> destination)
    {
        var offset = 0;
        for (var i = 0; i < blocks.Count; i++)
        {
            var length = blocks[i].Length;
            destination[i] = VectorMath.Dot(a.Slice(offset, length), b.Slice(offset, length)) / blocks[i].Weight;
            offset += length;
        }
    }
}
