using ColorVariants.Core.Evaluation;

namespace ColorVariants.Core.Tests.Evaluation;

public class VariantDecisionTests
{
    // Unit vectors whose dot products are exact in binary: 1, 0.8, 0.6, 0.
    private static readonly float[] X = [1, 0, 0], Y = [0, 1, 0], Z = [0, 0, 1], XY = [0.8f, 0.6f, 0];

    private static EmbeddedItem Item(string sku, string style, string category, float[] v) => new(sku, style, category, v);

    [Fact]
    public void Nearest_pairs_stay_in_their_category_are_listed_once_and_best_first()
    {
        EmbeddedItem[] items =
        [
            Item("a", "s1", "tops", X), Item("b", "s1", "tops", XY), Item("c", "s2", "tops", Y),
            Item("d", "s1", "skirts", X),
        ];
        var pairs = VariantDecision.NearestPairs(items, k: 2);
        Assert.Equal(
            [new ScoredPair(0, 1, 0.8f, true), new ScoredPair(1, 2, 0.6f, false), new ScoredPair(0, 2, 0f, false)],
            pairs);
    }

    [Fact]
    public void Nearest_in_category_breaks_ties_by_sku()
    {
        EmbeddedItem[] items = [Item("q", "s", "c", X), Item("z", "t", "c", Y), Item("m", "u", "c", Z)];
        var neighbours = VariantDecision.NearestInCategory(items, k: 1);
        Assert.Equal([(2, 0f)], neighbours[0]); // y and z score 0 for q: "m" < "z"
    }

    private static readonly ScoredPair[] Pairs =
    [
        new(0, 1, 0.9f, true), new(0, 2, 0.8f, true), new(1, 2, 0.7f, false), new(2, 3, 0.6f, true),
        new(3, 4, 0.6f, false), new(4, 5, 0.5f, false),
    ];

    [Fact]
    public void The_curve_has_one_point_per_distinct_score_and_ties_fall_together()
    {
        var curve = VariantDecision.Curve(Pairs, positives: 4);
        Assert.Equal(
            [(0.9f, new PairwiseFigures(1, 1, 4)), (0.8f, new PairwiseFigures(2, 2, 4)), (0.7f, new PairwiseFigures(3, 2, 4)),
             (0.6f, new PairwiseFigures(5, 3, 4)), (0.5f, new PairwiseFigures(6, 3, 4))],
            curve);
    }

    [Theory]
    [InlineData(1.0, 0.8f)]  // 2 of 2
    [InlineData(0.6, 0.6f)]  // 3 of 5: the lowest threshold at 0.6 precision
    [InlineData(0.5, 0.5f)]
    public void Calibration_takes_the_lowest_threshold_that_reaches_the_target(double target, float expected)
    {
        var threshold = VariantDecision.Calibrate(Pairs, positives: 4, target, minimumPredicted: 1);
        Assert.NotNull(threshold);
        Assert.Equal(expected, threshold.Score);
        Assert.Equal(VariantDecision.Curve(Pairs, 4).Single(c => c.Threshold == expected).Figures, threshold.Figures);
    }

    [Fact]
    public void Calibration_ignores_thresholds_that_call_too_few_pairs()
    {
        // Only the 0.9 and 0.8 thresholds reach precision 1, and they call 1 and 2 pairs.
        Assert.Null(VariantDecision.Calibrate(Pairs, positives: 4, 1.0, minimumPredicted: 3));
        Assert.Equal(0.8f, VariantDecision.Calibrate(Pairs, positives: 4, 1.0, minimumPredicted: 2)!.Score);
    }

    [Fact]
    public void Pairwise_figures_follow_their_definitions()
    {
        var figures = VariantDecision.At(Pairs, positives: 4, threshold: 0.7f);
        Assert.Equal(new PairwiseFigures(3, 2, 4), figures);
        Assert.Equal((0.666667, 0.5, 0.571429), (Math.Round(figures.Precision, 6), figures.Recall, Math.Round(figures.F1, 6)));
        Assert.Equal(1.0, new PairwiseFigures(0, 0, 4).Precision);
        Assert.Equal(3L + 1, PairwiseFigures.PositivePairs(["a", "a", "a", "b", "b", "c"]));
    }
}
