namespace ColorVariants.Core.Evaluation;

/// <summary>
/// Splits a catalog into colour-variant groups: two products of one category are joined when each
/// is among the other's <c>k</c> nearest and they score at least the variant threshold (mutual
/// neighbours: one product near many others, a plain white tee, does not chain them together).
/// Human verdicts win: confirmed pairs are joined whatever they score, and two groups holding a
/// rejected pair are never merged. Joins are taken best score first, so a rejected pair keeps the
/// weaker link out.
/// </summary>
public static class VariantGrouping
{
    /// <summary>A group number per item (the smallest index among its members), in item order.</summary>
    public static int[] Group(
        IReadOnlyList<(int Index, float Score)>[] neighbours, float threshold,
        IEnumerable<(int A, int B)>? confirmed = null, IEnumerable<(int A, int B)>? rejected = null)
    {
        var n = neighbours.Length;
        var neighbourSets = neighbours.Select(list => list.Select(x => x.Index).ToHashSet()).ToArray();
        var links = new List<(int A, int B, float Score)>();
        for (var a = 0; a < n; a++)
            foreach (var (b, score) in neighbours[a])
                if (a < b && score >= threshold && neighbourSets[b].Contains(a)) links.Add((a, b, score));

        var sets = new DisjointSets(n);
        var apart = new Dictionary<int, HashSet<int>>(); // root -> roots it must stay apart from
        foreach (var (a, b) in rejected ?? [])
        {
            if (a == b) continue;
            Add(apart, a, b);
            Add(apart, b, a);
        }
        void Join(int a, int b)
        {
            var (ra, rb) = (sets.Find(a), sets.Find(b));
            if (ra == rb || (apart.TryGetValue(ra, out var kept) && kept.Contains(rb))) return;
            var (root, other) = sets.Union(ra, rb);
            if (apart.Remove(other, out var otherApart))
                foreach (var r in otherApart)
                {
                    Add(apart, root, r);
                    apart[r].Remove(other);
                    apart[r].Add(root);
                }
        }
        foreach (var (a, b) in confirmed ?? []) Join(a, b);
        foreach (var (a, b, _) in links.OrderByDescending(l => l.Score).ThenBy(l => l.A).ThenBy(l => l.B)) Join(a, b);

        var smallest = new Dictionary<int, int>();
        for (var i = 0; i < n; i++) smallest.TryAdd(sets.Find(i), i);
        return Enumerable.Range(0, n).Select(i => smallest[sets.Find(i)]).ToArray();
    }

    /// <summary>EVALUATION.md's grouping figures: over all unordered pairs, those placed in one group against those sharing a style.</summary>
    public static PairwiseFigures Score(IReadOnlyList<EmbeddedItem> items, IReadOnlyList<int> groups)
    {
        long predicted = 0, truePositives = 0;
        foreach (var group in Enumerable.Range(0, items.Count).GroupBy(i => groups[i]))
        {
            var size = group.Count();
            predicted += (long)size * (size - 1) / 2;
            truePositives += group.GroupBy(i => items[i].Style, StringComparer.Ordinal).Sum(s => (long)s.Count() * (s.Count() - 1) / 2);
        }
        return new PairwiseFigures(predicted, truePositives, PairwiseFigures.PositivePairs(items.Select(i => i.Style)));
    }

    private static void Add(Dictionary<int, HashSet<int>> map, int key, int value)
    {
        if (!map.TryGetValue(key, out var set)) map[key] = set = [];
        set.Add(value);
    }

    /// <summary>Union-find with path halving and union by size.</summary>
    private sealed class DisjointSets(int count)
    {
        private readonly int[] _parent = Enumerable.Range(0, count).ToArray();
        private readonly int[] _size = Enumerable.Repeat(1, count).ToArray();

        public int Find(int x)
        {
            while (_parent[x] != x) x = _parent[x] = _parent[_parent[x]];
            return x;
        }

        /// <summary>Joins two roots; returns the surviving root and the absorbed one.</summary>
        public (int Root, int Absorbed) Union(int a, int b)
        {
            if (_size[a] < _size[b]) (a, b) = (b, a);
            _parent[b] = a;
            _size[a] += _size[b];
            return (a, b);
        }
    }
}
