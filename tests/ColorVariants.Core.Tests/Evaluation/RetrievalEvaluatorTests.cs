using ColorVariants.Core.Evaluation;

namespace ColorVariants.Core.Tests.Evaluation;

/// <summary>
/// EVALUATION.md's figures on a catalog small enough to rank by hand. Every product is a unit
/// vector at an angle in the plane, so its neighbours are the nearest angles.
/// </summary>
public class RetrievalEvaluatorTests
{
    private static EmbeddedItem At(string sku, string style, string category, double degrees, string? shade = null)
    {
        var radians = degrees * Math.PI / 180;
        return new EmbeddedItem(sku, style, category, [(float)Math.Cos(radians), (float)Math.Sin(radians)], shade);
    }

    /// <summary>
    /// Style A: a1 0°, a2 1° (category X), a3 50° (category Y). Style B: b1 4°, b2 60° (X).
    /// Distractors, never queries: s1 2.5° and d1..d8 at 105°..175° (all X).
    /// </summary>
    private static List<EmbeddedItem> Catalog() =>
    [
        At("a1", "A", "X", 0, "Black"),
        At("a2", "A", "X", 1, "White"),
        At("a3", "A", "Y", 50, "Black"),
        At("b1", "B", "X", 4, "Black"),
        At("b2", "B", "X", 60, "White"),
        At("s1", "S", "X", 2.5, "Black"),
        .. Enumerable.Range(0, 8).Select(i => At($"d{i + 1}", $"D{i + 1}", "X", 105 + 10 * i, "White")),
    ];

    private static void Equal(double expected, double actual) => Assert.Equal(Math.Round(expected, 6), Math.Round(actual, 6));

    [Fact]
    public void Open_setting_ranks_the_whole_gallery_and_never_queries_a_singleton()
    {
        // a1: a2 s1 ... (AP@R, R = 2: 1/2). a2: a1 s1 ... (1/2). a3: b2 b1 s1 a2 (0, hit at 4).
        // b1: s1 a2 a1 a3 b2 (0, hit at 5). b2: a3 d1 d2 b1 (0, hit at 4).
        var report = RetrievalEvaluator.Evaluate(Catalog());
        Assert.Equal(14, report.Items);
        Assert.Equal(5, report.Open.Queries);
        Equal(2 / 5.0, report.Open.RecallAt1);
        Equal(1, report.Open.RecallAt5);
        Equal(1, report.Open.RecallAt10);
        Equal((0.5 + 0.5) / 5, report.Open.MapAtR);
    }

    [Fact]
    public void Same_category_keeps_the_query_s_category_and_leaves_out_a_query_without_positives_there()
    {
        // a3 is alone in Y. a1 -> a2 and a2 -> a1 first; b1 finds b2 4th; b2 has d1 and d2 before b1.
        var report = RetrievalEvaluator.Evaluate(Catalog());
        Assert.Equal(4, report.SameCategory.Queries);
        Equal(2 / 4.0, report.SameCategory.RecallAt1);
        Equal(1, report.SameCategory.RecallAt5);
        Equal(2 / 4.0, report.SameCategory.MapAtR);
    }

    [Fact]
    public void Shade_bias_is_the_same_shade_share_of_the_wrong_top_ten_beside_the_category_s()
    {
        // a1 (Black): of its 9 wrong neighbours in the top 10, s1 and b1 are Black; of the 11 wrong
        // products of X, 2 are. a2 (White): 7 of 9, 9 of 11. b1 like a1, b2 like a2.
        var shade = RetrievalEvaluator.Evaluate(Catalog()).Shade!;
        Assert.Equal(4, shade.Queries);
        Equal((2 / 9.0 + 7 / 9.0 + 2 / 9.0 + 7 / 9.0) / 4, shade.SameShade);
        Equal((2 / 11.0 + 9 / 11.0 + 2 / 11.0 + 9 / 11.0) / 4, shade.Chance);
    }

    [Fact]
    public void A_ranking_that_follows_shade_shows_a_bias_above_chance()
    {
        // q and its variant p: their wrong neighbours are all Black like them; the category is half White.
        List<EmbeddedItem> catalog =
        [
            At("q", "Q", "X", 0, "Black"), At("p", "Q", "X", 0.3, "Black"),
            .. Enumerable.Range(0, 10).Select(i => At($"k{i:00}", $"K{i}", "X", 1 + i, "Black")),
            .. Enumerable.Range(0, 10).Select(i => At($"w{i:00}", $"W{i}", "X", 120 + i, "White")),
        ];
        var shade = RetrievalEvaluator.Evaluate(catalog).Shade!;
        Equal(1, shade.SameShade);
        Equal(0.5, shade.Chance);
    }

    [Fact]
    public void Without_shades_there_is_no_shade_figure()
    {
        var catalog = Catalog().Select(i => i with { Shade = null }).ToList();
        Assert.Null(RetrievalEvaluator.Evaluate(catalog).Shade);
    }

    [Fact]
    public void Equal_similarities_rank_the_smaller_sku_first()
    {
        // The positive and a distractor sit on the same vector: whichever sku sorts first wins R@1.
        List<EmbeddedItem> Twins(string positiveSku, string distractorSku) =>
        [
            At("q", "Q", "X", 0), At(positiveSku, "Q", "X", 10), At(distractorSku, "Z", "X", 10), At("far", "F", "X", 90),
        ];
        var positiveFirst = RetrievalEvaluator.Evaluate(Twins("m1", "m2"));
        var distractorFirst = RetrievalEvaluator.Evaluate(Twins("m2", "m1"));
        // Queries: q, whose R@1 follows the sku order, and its positive, whose nearest is always its twin.
        Equal(0.5, positiveFirst.Open.RecallAt1);
        Equal(0, distractorFirst.Open.RecallAt1);
    }
}
