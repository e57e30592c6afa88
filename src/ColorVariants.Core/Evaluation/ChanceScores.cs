using ColorVariants.Core.Embedding;

namespace ColorVariants.Core.Evaluation;

/// <summary>
/// What chance gives in one catalog's vector space: the mean and the spread (standard deviation)
/// of the cosine between two of its products taken at random. A variant threshold written as
/// "so many spreads above chance" means the same in a catalog of 400 products as in one of
/// 5,000, where a raw cosine does not: a whitening fitted on n vectors spreads them over about n
/// directions, so every cosine, a variant's too, shrinks as the catalog does (docs/RESULTS.md,
/// "The decision"). Labels are not read: any catalog can measure it.
/// </summary>
/// <param name="Vectors">How many of the catalog's vectors the pairs were drawn from.</param>
public sealed record ChanceScores(double Mean, double Spread, int Vectors)
{
    /// <summary>All pairs among at most this many vectors (about 500,000 pairs): enough for three digits of the spread.</summary>
    public const int MaxVectors = 1000;

    /// <summary>Fewer vectors than this give no stable spread.</summary>
    public const int MinimumVectors = 32;

    /// <summary>
    /// From unit vectors: all pairs among at most <see cref="MaxVectors"/> of them, evenly spaced
    /// through the list (deterministic for a list). Null when there are fewer than <see cref="MinimumVectors"/>.
    /// </summary>
    public static ChanceScores? Of(IReadOnlyList<float[]> vectors)
    {
        if (vectors.Count < MinimumVectors) return null;
        var count = Math.Min(vectors.Count, MaxVectors);
        var picked = Enumerable.Range(0, count).Select(i => vectors[(int)((long)i * vectors.Count / count)]).ToArray();
        var sums = new (double Sum, double Squares)[count];
        Parallel.For(0, count, a =>
        {
            double sum = 0, squares = 0;
            for (var b = a + 1; b < count; b++)
            {
                double cosine = VectorMath.Dot(picked[a], picked[b]);
                sum += cosine;
                squares += cosine * cosine;
            }
            sums[a] = (sum, squares);
        });
        // Summed in a fixed order, so the figure does not depend on the threads' timing.
        double total = 0, totalSquares = 0;
        foreach (var (sum, squares) in sums) { total += sum; totalSquares += squares; }
        var pairs = (double)count * (count - 1) / 2;
        var mean = total / pairs;
        var spread = Math.Sqrt(Math.Max(totalSquares / pairs - mean * mean, 0));
        return spread > 0 ? new ChanceScores(mean, spread, count) : null;
    }

    /// <summary>The cosine <paramref name="spreads"/> spreads above chance.</summary>
    public double ScoreAt(double spreads) => Mean + spreads * Spread;

    /// <summary>How many spreads <paramref name="score"/> lies above chance.</summary>
    public double SpreadsAbove(double score) => (score - Mean) / Spread;
}
