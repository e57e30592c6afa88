namespace ColorVariants.Core.Evaluation;

/// <summary>
/// shared/docs/EVALUATION.md's pairwise figures: of the pairs a decision put together
/// (<see cref="Predicted"/>), how many share a style (<see cref="TruePositives"/>), against all
/// the pairs that share a style (<see cref="Positives"/>).
/// </summary>
public sealed record PairwiseFigures(long Predicted, long TruePositives, long Positives)
{
    /// <summary>1 when nothing was put together: no pair was called wrongly.</summary>
    public double Precision => Predicted == 0 ? 1 : (double)TruePositives / Predicted;
    public double Recall => Positives == 0 ? 0 : (double)TruePositives / Positives;
    public double F1 => Precision + Recall == 0 ? 0 : 2 * Precision * Recall / (Precision + Recall);

    /// <summary>The pairs of products that share a style: what a perfect decision puts together.</summary>
    public static long PositivePairs(IEnumerable<string> styles) =>
        styles.GroupBy(s => s, StringComparer.Ordinal).Sum(g => (long)g.Count() * (g.Count() - 1) / 2);
}
