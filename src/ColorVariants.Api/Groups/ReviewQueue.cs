namespace ColorVariants.Api.Groups;

/// <summary>A product waiting for review: its pair the decision is least sure about, and how unsure.</summary>
/// <param name="Candidate">The index of the other product of that pair.</param>
/// <param name="Probability">The pair's verifier probability (or score, without a verifier).</param>
/// <param name="Doubt">How close that is to the threshold, in bands of <see cref="ReviewQueue.Band"/>: within a band, larger groups first.</param>
public readonly record struct ReviewQueueEntry(int Product, int Candidate, float Probability, float Doubt);

/// <summary>
/// What a catalog team reviews next (issue 22, part 5): for each product, among its nearest in the
/// decision's order, the pair nearest the threshold that no reviewer has judged and that is not the
/// same colour (never a variant, no question to ask). Computed with the groups, from the same lists.
/// </summary>
public static class ReviewQueue
{
    /// <summary>Doubts are rounded to bands this wide, so the order within a band is by group size.</summary>
    public const float Band = 0.05f;

    /// <param name="lists">Each product's nearest (best first in the decision's order) with probability or score.</param>
    /// <param name="settled">Pairs already decided for the products: reviewed either way, or the same colour.</param>
    public static List<ReviewQueueEntry> Of(IReadOnlyList<IReadOnlyList<(int Index, float Score)>> lists, float threshold, IEnumerable<(int A, int B)> settled)
    {
        var known = new HashSet<(int, int)>();
        foreach (var (a, b) in settled) known.Add(a < b ? (a, b) : (b, a));
        var queue = new List<ReviewQueueEntry>();
        for (var q = 0; q < lists.Count; q++)
        {
            var (candidate, probability, distance) = (-1, 0f, float.PositiveInfinity);
            foreach (var (c, p) in lists[q])
                if (!known.Contains(q < c ? (q, c) : (c, q)) && MathF.Abs(p - threshold) < distance)
                    (candidate, probability, distance) = (c, p, MathF.Abs(p - threshold));
            if (candidate >= 0) queue.Add(new ReviewQueueEntry(q, candidate, probability, MathF.Round(distance / Band) * Band));
        }
        return queue;
    }
}
