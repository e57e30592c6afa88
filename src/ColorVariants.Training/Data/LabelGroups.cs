using ColorVariants.Core.Catalog;
using ColorVariants.Core.Evaluation;

namespace ColorVariants.Training.Data;

/// <summary>
/// Triplet labels from reviewers' verdicts: products are grouped by union-find over their style (unless
/// labels-only) and the confirmed pairs; a rejected pair across two groups becomes a hard negative.
/// Products of validation styles are never selected, so the benchmark stays unseen by training; verdicts
/// touching them are skipped and counted. Products without a style that a verdict names take part.
/// </summary>
public sealed class LabelGroups
{
    private readonly Dictionary<string, string> _groupOf;

    private LabelGroups(Dictionary<string, string> groupOf, List<(string A, string B)> negatives, LabelSummary summary)
    {
        _groupOf = groupOf;
        Negatives = negatives;
        Summary = summary;
    }

    /// <summary>Rejected pairs of products in different groups.</summary>
    public IReadOnlyList<(string A, string B)> Negatives { get; }

    public LabelSummary Summary { get; }

    /// <summary>The image cache's filter: the products that train.</summary>
    public bool Selects(CatalogEntry entry) => _groupOf.ContainsKey(entry.Sku);

    /// <summary>A selected product's group, named by its smallest sku; null when not selected.</summary>
    public string? GroupOf(string sku) => _groupOf.GetValueOrDefault(sku);

    public static LabelGroups Build(IReadOnlyList<CatalogEntry> entries, ReviewLabels labels, bool labelsOnly)
    {
        var catalog = entries.ToDictionary(e => e.Sku, StringComparer.Ordinal);
        bool Validation(string sku) => catalog[sku].Style is { } style && StyleSplit.Of(style) == SplitPart.Validation;

        var kept = new List<ReviewPair>();
        int unknown = 0, validation = 0;
        foreach (var pair in labels.Pairs)
        {
            if (!catalog.ContainsKey(pair.SkuA) || !catalog.ContainsKey(pair.SkuB)) unknown++;
            else if (Validation(pair.SkuA) || Validation(pair.SkuB)) validation++;
            else kept.Add(pair);
        }

        var parent = new Dictionary<string, string>(StringComparer.Ordinal);
        string Find(string sku)
        {
            while (parent[sku] != sku) sku = parent[sku] = parent[parent[sku]]; // path halving
            return sku;
        }
        void Union(string x, string y)
        {
            var (rx, ry) = (Find(x), Find(y));
            // The smaller sku is the root, so a group's name does not depend on the order of the unions.
            if (string.CompareOrdinal(rx, ry) < 0) parent[ry] = rx;
            else if (rx != ry) parent[rx] = ry;
        }

        var firstOfStyle = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            if (labelsOnly || entry.Style is not { } style || StyleSplit.Of(style) != SplitPart.Train) continue;
            parent.TryAdd(entry.Sku, entry.Sku);
            if (firstOfStyle.TryGetValue(style, out var first)) Union(first, entry.Sku);
            else firstOfStyle[style] = entry.Sku;
        }
        foreach (var pair in kept)
        {
            parent.TryAdd(pair.SkuA, pair.SkuA);
            parent.TryAdd(pair.SkuB, pair.SkuB);
        }
        foreach (var pair in kept.Where(p => p.Confirmed)) Union(pair.SkuA, pair.SkuB);

        var negatives = new List<(string A, string B)>();
        var conflicts = 0;
        foreach (var pair in kept.Where(p => !p.Confirmed))
        {
            if (Find(pair.SkuA) == Find(pair.SkuB)) conflicts++;
            else negatives.Add((pair.SkuA, pair.SkuB));
        }

        var groupOf = parent.Keys.ToDictionary(sku => sku, Find, StringComparer.Ordinal);
        var groups = groupOf.Values.GroupBy(g => g, StringComparer.Ordinal).Count(g => g.Count() >= 2);
        var summary = new LabelSummary(kept.Count(p => p.Confirmed), negatives.Count, groups, validation, unknown, conflicts);
        return new LabelGroups(groupOf, negatives, summary);
    }

    /// <summary>
    /// The <see cref="PkSampler"/> inputs for the images in the cache: each image's group, and the rejected
    /// pairs as index pairs (a pair whose image did not decode drops out).
    /// </summary>
    public (string?[] Groups, (int A, int B)[] Negatives) For(IReadOnlyList<CachedImage> items)
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < items.Count; i++) index[items[i].Sku] = i;
        var groups = items.Select(i => GroupOf(i.Sku)).ToArray();
        var negatives = Negatives
            .Where(n => index.ContainsKey(n.A) && index.ContainsKey(n.B))
            .Select(n => (index[n.A], index[n.B]))
            .ToArray();
        return (groups, negatives);
    }
}
