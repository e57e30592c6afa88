namespace ColorVariants.Training.Data;

/// <summary>
/// Plain shuffled batches for self-supervised training: reads no labels. The last, short batch is
/// dropped by default, since in-batch negatives and batch norm want a constant batch size.
/// Deterministic: the same (seed, epoch) always gives the same batches.
/// </summary>
public sealed class ShuffledBatchSampler
{
    private readonly int _seed;

    public ShuffledBatchSampler(int count, int batchSize, int seed, bool dropLast = true)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (dropLast && count < batchSize)
            throw new ArgumentException($"{count} items do not fill one batch of {batchSize}.", nameof(count));
        Count = count;
        BatchSize = batchSize;
        DropLast = dropLast;
        _seed = seed;
    }

    public int Count { get; }
    public int BatchSize { get; }
    public bool DropLast { get; }
    public int BatchesPerEpoch => DropLast ? Count / BatchSize : (Count + BatchSize - 1) / BatchSize;

    public IEnumerable<int[]> Epoch(int epoch)
    {
        var order = Enumerable.Range(0, Count).ToArray();
        SeedMix.For(_seed, epoch).Shuffle(order);
        for (var b = 0; b < BatchesPerEpoch; b++)
        {
            var start = b * BatchSize;
            yield return order[start..Math.Min(start + BatchSize, Count)];
        }
    }
}
