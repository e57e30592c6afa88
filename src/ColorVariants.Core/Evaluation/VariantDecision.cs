using ColorVariants.Core.Embedding;

namespace ColorVariants.Core.Evaluation;

/// <summary>Two products (indices into the catalog list), their cosine similarity, and whether they share a style.</summary>
public readonly record struct ScoredPair(int A, int B, float Score, bool SameStyle);

/// <summary>A similarity threshold and what it gives on the labelled pairs it was chosen on.</summary>
/// <param name="Score">Two products scoring at least this are called colour variants.</param>
public sealed record VariantThreshold(float Score, double TargetPrecision, PairwiseFigures Figures);

/// <summary>
/// The decision "are these two products colour variants?" as a similarity threshold, chosen on the
/// pairs a shop would be shown: each product's nearest neighbours within its category, exactly as
/// <c>/variants</c> ranks them. Labels (a catalog's style column, review verdicts) only choose the
/// threshold; the model's ranking stays as it is.
/// </summary>
public static class VariantDecision
{
    /// <summary>
    /// Each product's <paramref name="k"/> nearest products of its category (cosine, ties by sku, as
    /// <see cref="RetrievalEvaluator"/>), as unordered pairs listed once, best first.
    /// </summary>
    public static IReadOnlyList<ScoredPair> NearestPairs(IReadOnlyList<EmbeddedItem> items, int k) =>
        NearestPairs(items, NearestInCategory(items, k));

    /// <summary>The same pairs from neighbour lists already searched (<see cref="NearestInCategory"/>).</summary>
    public static IReadOnlyList<ScoredPair> NearestPairs(IReadOnlyList<EmbeddedItem> items, IReadOnlyList<(int Index, float Score)>[] neighbours)
    {
        var pairs = new Dictionary<(int, int), ScoredPair>();
        for (var i = 0; i < items.Count; i++)
            foreach (var (j, score) in neighbours[i])
            {
                var key = i < j ? (i, j) : (j, i);
                pairs.TryAdd(key, new ScoredPair(key.Item1, key.Item2, score, items[i].Style == items[j].Style));
            }
        return pairs.Values.OrderByDescending(p => p.Score).ThenBy(p => p.A).ThenBy(p => p.B).ToList();
    }

    /// <summary>
    /// Each product's <paramref name="k"/> nearest products of its category, best first (ties by sku).
    /// Exact search; products without a category form one category.
    /// </summary>
    public static IReadOnlyList<(int Index, float Score)>[] NearestInCategory(IReadOnlyList<EmbeddedItem> items, int k)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        var result = new IReadOnlyList<(int, float)>[items.Count];
        foreach (var category in Enumerable.Range(0, items.Count).GroupBy(i => items[i].Category ?? ""))
        {
            var members = category.OrderBy(i => items[i].Sku, StringComparer.Ordinal).ToArray();
            Parallel.For(0, members.Length, a =>
            {
                var query = items[members[a]].Vector;
                var scored = new List<(int Index, float Score, int Order)>(members.Length);
                for (var b = 0; b < members.Length; b++)
                    if (b != a) scored.Add((members[b], VectorMath.Dot(query, items[members[b]].Vector), b));
                result[members[a]] = scored.OrderByDescending(s => s.Score).ThenBy(s => s.Order).Take(k)
                    .Select(s => (s.Index, s.Score)).ToList();
            });
        }
        return result;
    }

    /// <summary>
    /// Pairwise figures of "score >= threshold" at every distinct score of <paramref name="pairs"/>
    /// (sorted best first), highest threshold first: the precision-recall curve.
    /// <paramref name="positives"/> counts every pair that shares a style, found among the pairs or not.
    /// </summary>
    public static IReadOnlyList<(float Threshold, PairwiseFigures Figures)> Curve(IReadOnlyList<ScoredPair> pairs, long positives)
    {
        var curve = new List<(float, PairwiseFigures)>();
        long predicted = 0, truePositives = 0;
        for (var i = 0; i < pairs.Count; i++)
        {
            predicted++;
            if (pairs[i].SameStyle) truePositives++;
            if (i + 1 < pairs.Count && pairs[i + 1].Score == pairs[i].Score) continue; // a threshold takes all equal scores
            curve.Add((pairs[i].Score, new PairwiseFigures(predicted, truePositives, positives)));
        }
        return curve;
    }

    /// <summary>
    /// The lowest threshold whose pairs reach <paramref name="targetPrecision"/> (so the most
    /// variants found at that precision), among thresholds that call at least
    /// <paramref name="minimumPredicted"/> pairs variants (a precision over a handful of pairs is luck).
    /// Null when no threshold reaches the target.
    /// </summary>
    public static VariantThreshold? Calibrate(IReadOnlyList<ScoredPair> pairs, long positives, double targetPrecision, int minimumPredicted = 20)
    {
        if (targetPrecision is <= 0 or > 1) throw new ArgumentOutOfRangeException(nameof(targetPrecision), "A target precision is in (0, 1].");
        VariantThreshold? best = null;
        foreach (var (threshold, figures) in Curve(pairs, positives))
            if (figures.Predicted >= minimumPredicted && figures.Precision >= targetPrecision)
                best = new VariantThreshold(threshold, targetPrecision, figures);
        return best;
    }

    /// <summary>Pairwise figures of calling every pair at or above <paramref name="threshold"/> a variant.</summary>
    public static PairwiseFigures At(IReadOnlyList<ScoredPair> pairs, long positives, float threshold)
    {
        var called = pairs.Where(p => p.Score >= threshold).ToList();
        return new PairwiseFigures(called.Count, called.Count(p => p.SameStyle), positives);
    }
}
