using ColorVariants.Core.Evaluation;

namespace ColorVariants.Core.Tests.Evaluation;

public class VariantGroupingTests
{
    /// <summary>Neighbour lists from a symmetric score table (an entry per ordered pair listed).</summary>
    private static IReadOnlyList<(int, float)>[] Neighbours(int n, params (int A, int B, float Score)[] scores)
    {
        var lists = Enumerable.Range(0, n).Select(_ => new List<(int, float)>()).ToArray();
        foreach (var (a, b, score) in scores)
        {
            lists[a].Add((b, score));
            lists[b].Add((a, score));
        }
        return lists.Select(l => (IReadOnlyList<(int, float)>)l.OrderByDescending(x => x.Item2).ToList()).ToArray();
    }

    [Fact]
    public void Mutual_neighbours_above_the_threshold_are_joined_transitively()
    {
        var neighbours = Neighbours(5, (0, 1, 0.9f), (1, 2, 0.8f), (3, 4, 0.4f));
        Assert.Equal([0, 0, 0, 3, 4], VariantGrouping.Group(neighbours, threshold: 0.5f));
    }

    [Fact]
    public void A_one_sided_neighbour_is_not_joined()
    {
        // 1 lists 0, but 0's list (k = 1) holds only 2.
        IReadOnlyList<(int, float)>[] neighbours = [[(2, 0.9f)], [(0, 0.8f)], [(0, 0.9f)]];
        Assert.Equal([0, 1, 0], VariantGrouping.Group(neighbours, threshold: 0.5f));
    }

    [Fact]
    public void Verdicts_win_over_scores()
    {
        var neighbours = Neighbours(4, (0, 1, 0.9f), (1, 2, 0.8f), (2, 3, 0.1f));
        // Rejecting 0-2 keeps the weaker 1-2 link out; confirming 2-3 joins them below the threshold.
        Assert.Equal([0, 0, 2, 2], VariantGrouping.Group(neighbours, 0.5f, confirmed: [(2, 3)], rejected: [(0, 2)]));
        // A rejection stays with the group after merges: 3 joins 0's group, then 1-2 would bring 2 to 3.
        Assert.Equal([0, 0, 2, 0], VariantGrouping.Group(neighbours, 0.5f, confirmed: [(0, 3)], rejected: [(3, 2)]));
    }

    [Fact]
    public void Grouping_figures_count_pairs()
    {
        EmbeddedItem[] items =
        [
            new("a", "s1", "c", [1]), new("b", "s1", "c", [1]), new("c", "s2", "c", [1]),
            new("d", "s2", "c", [1]), new("e", "s1", "c", [1]),
        ];
        // Groups {a, b, c} and {d}, {e}: 3 pairs placed together, 1 of them (a-b) shares a style; 4 pairs share one.
        Assert.Equal(new PairwiseFigures(3, 1, 4), VariantGrouping.Score(items, [0, 0, 0, 3, 4]));
    }
}
