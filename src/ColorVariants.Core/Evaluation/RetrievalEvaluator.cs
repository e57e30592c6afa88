using ColorVariants.Core.Embedding;

namespace ColorVariants.Core.Evaluation;

/// <summary>One catalog product with its L2-normalised embedding.</summary>
/// <param name="Shade">The product's perceived colour (the dev set's <c>colour_master</c>), when the catalog has one.</param>
public sealed record EmbeddedItem(string Sku, string Style, string? Category, float[] Vector, string? Shade = null);

/// <summary>Averages over the queries of one setting.</summary>
public sealed record RetrievalFigures(int Queries, double RecallAt1, double RecallAt5, double RecallAt10, double MapAtR);

/// <summary>
/// How much the wrong answers follow the query's shade, in the same-category setting: of each
/// query's top-10 neighbours that are not its variants, the share with the query's shade
/// (<see cref="SameShade"/>), beside that share among all the non-variants of its category
/// (<see cref="Chance"/>: what a ranking blind to shade would give). Averaged over queries.
/// </summary>
public sealed record ShadeBias(int Queries, double SameShade, double Chance);

public sealed record RetrievalReport(int Items, RetrievalFigures Open, RetrievalFigures SameCategory, ShadeBias? Shade = null);

/// <summary>
/// shared/docs/EVALUATION.md's retrieval protocol, by exact search. Queries: every product whose
/// style has another member. Gallery: every other product (open), or those of the query's
/// category (same-category). Cosine similarity, ties broken by sku ascending. R is the number of
/// the query's positives in the gallery; a same-category query with none there is left out
/// (its positives are all in other categories). The shade bias counts the same-category queries
/// that have a shade and at least one non-variant among their top 10.
/// </summary>
public static class RetrievalEvaluator
{
    public static RetrievalReport Evaluate(IReadOnlyList<EmbeddedItem> items)
    {
        // Sorted by sku, so that among equal similarities the lower index (smaller sku) ranks first.
        var sorted = items.OrderBy(i => i.Sku, StringComparer.Ordinal).ToArray();
        var styleSize = sorted.GroupBy(i => i.Style).ToDictionary(g => g.Key, g => g.Count());
        var queries = Enumerable.Range(0, sorted.Length).Where(i => styleSize[sorted[i].Style] > 1).ToArray();

        var open = new QueryResult?[queries.Length];
        var same = new QueryResult?[queries.Length];
        var shade = new (double SameShade, double Chance)?[queries.Length];
        Parallel.For(0, queries.Length, () => new float[sorted.Length], (q, _, similarities) =>
        {
            var query = sorted[queries[q]];
            for (var j = 0; j < sorted.Length; j++)
                similarities[j] = VectorMath.Dot(query.Vector, sorted[j].Vector);
            open[q] = Rank(sorted, queries[q], similarities, sameCategory: false);
            same[q] = Rank(sorted, queries[q], similarities, sameCategory: true);
            shade[q] = same[q]?.Shade;
            return similarities;
        }, _ => { });

        var shaded = shade.Where(s => s is not null).Select(s => s!.Value).ToArray();
        var bias = shaded.Length == 0 ? null : new ShadeBias(shaded.Length, shaded.Average(s => s.SameShade), shaded.Average(s => s.Chance));
        return new RetrievalReport(sorted.Length, Average(open), Average(same), bias);
    }

    private readonly record struct QueryResult(bool HitAt1, bool HitAt5, bool HitAt10, double AveragePrecisionAtR, (double SameShade, double Chance)? Shade);

    private static QueryResult? Rank(EmbeddedItem[] items, int query, float[] similarities, bool sameCategory)
    {
        var q = items[query];
        bool InGallery(int j) => j != query && (!sameCategory || items[j].Category == q.Category);
        var positives = 0;
        for (var j = 0; j < items.Length; j++)
            if (InGallery(j) && items[j].Style == q.Style) positives++;
        if (positives == 0) return null;

        // The best max(R, 10) gallery items, best first: insertion into a short sorted list.
        var k = Math.Max(positives, 10);
        var top = new List<int>(k + 1);
        for (var j = 0; j < items.Length; j++)
        {
            if (!InGallery(j)) continue;
            if (top.Count == k && similarities[j] <= similarities[top[^1]]) continue;
            var at = top.Count;
            while (at > 0 && similarities[j] > similarities[top[at - 1]]) at--;
            top.Insert(at, j);
            if (top.Count > k) top.RemoveAt(k);
        }

        bool Hit(int rank) => items[top[rank]].Style == q.Style;
        bool AnyHitWithin(int n) => Enumerable.Range(0, Math.Min(n, top.Count)).Any(Hit);
        double precisionSum = 0;
        var hits = 0;
        for (var rank = 0; rank < Math.Min(positives, top.Count); rank++)
        {
            if (!Hit(rank)) continue;
            hits++;
            precisionSum += (double)hits / (rank + 1);
        }
        return new QueryResult(AnyHitWithin(1), AnyHitWithin(5), AnyHitWithin(10), precisionSum / positives,
            sameCategory ? ShadeOf(items, query, top, InGallery) : null);
    }

    /// <summary>Same-shade share of the non-variants in the top 10, and among all the gallery's non-variants.</summary>
    private static (double, double)? ShadeOf(EmbeddedItem[] items, int query, List<int> top, Func<int, bool> inGallery)
    {
        var q = items[query];
        if (q.Shade is null) return null;
        var wrong = top.Take(10).Where(j => items[j].Style != q.Style).ToList();
        if (wrong.Count == 0) return null;
        int others = 0, sameShade = 0;
        for (var j = 0; j < items.Length; j++)
        {
            if (!inGallery(j) || items[j].Style == q.Style) continue;
            others++;
            if (items[j].Shade == q.Shade) sameShade++;
        }
        return ((double)wrong.Count(j => items[j].Shade == q.Shade) / wrong.Count, (double)sameShade / others);
    }

    private static RetrievalFigures Average(QueryResult?[] results)
    {
        var counted = results.Where(r => r is not null).Select(r => r!.Value).ToArray();
        if (counted.Length == 0) return new RetrievalFigures(0, 0, 0, 0, 0);
        return new RetrievalFigures(
            counted.Length,
            counted.Average(r => r.HitAt1 ? 1.0 : 0.0),
            counted.Average(r => r.HitAt5 ? 1.0 : 0.0),
            counted.Average(r => r.HitAt10 ? 1.0 : 0.0),
            counted.Average(r => r.AveragePrecisionAtR));
    }
}
