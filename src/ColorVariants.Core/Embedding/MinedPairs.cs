namespace ColorVariants.Core.Embedding;

/// <summary>
/// Colour-variant pairs a catalog gives away without labels: two products of one category that
/// are each other's nearest neighbour (mutual nearest neighbours, a classic way to mine
/// positives, as NNCLR does in a batch) and whose colours differ. The second condition is what
/// makes them variants rather than lookalikes: a colour variant is by definition another colour,
/// and the near neighbours that share a shade are the lookalikes the served model ranks too high.
/// </summary>
public static class MinedPairs
{
    /// <summary>Index pairs (A &lt; B) of mutual nearest neighbours within a category that <paramref name="keep"/> accepts.</summary>
    /// <param name="vectors">L2-normalised vectors (e.g. catalog-whitened), one per product.</param>
    /// <param name="categories">Each product's category; products without one are compared with each other.</param>
    public static IReadOnlyList<(int A, int B)> MutualNearest(IReadOnlyList<float[]> vectors, IReadOnlyList<string?> categories, Func<int, int, bool>? keep = null)
    {
        if (vectors.Count != categories.Count) throw new ArgumentException("One category per vector.", nameof(categories));
        var nearest = new int[vectors.Count];
        Parallel.For(0, vectors.Count, i =>
        {
            var (best, bestScore) = (-1, float.NegativeInfinity);
            for (var j = 0; j < vectors.Count; j++)
            {
                if (j == i || !string.Equals(categories[i], categories[j], StringComparison.Ordinal)) continue;
                var score = VectorMath.Dot(vectors[i], vectors[j]);
                if (score > bestScore) (best, bestScore) = (j, score); // ties: the lower index, as the first seen
            }
            nearest[i] = best;
        });
        var pairs = new List<(int, int)>();
        for (var i = 0; i < nearest.Length; i++)
        {
            var j = nearest[i];
            if (j > i && nearest[j] == i && (keep is null || keep(i, j))) pairs.Add((i, j));
        }
        return pairs;
    }
}
