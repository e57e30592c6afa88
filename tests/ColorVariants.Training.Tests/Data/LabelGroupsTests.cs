using ColorVariants.Core.Catalog;
using ColorVariants.Core.Evaluation;
using ColorVariants.Training.Data;

namespace ColorVariants.Training.Tests.Data;

public class LabelGroupsTests
{
    // style-1 and style-2 train, style-0 validates (EVALUATION.md's split by SHA-1).
    private const string TrainA = "style-1", TrainB = "style-2", Validation = "style-0";

    private static readonly CatalogEntry[] Catalog =
    [
        Entry("a1", TrainA), Entry("a2", TrainA), Entry("b1", TrainB), Entry("b2", TrainB),
        Entry("v1", Validation), Entry("v2", Validation), Entry("n1", null), Entry("n2", null), Entry("n3", null), Entry("n4", null),
    ];

    private static readonly ReviewLabels Labels = Verdicts(
        ("a1", "b1", true),  // joins the two styles
        ("n1", "n2", true),  // two products without a style
        ("a2", "n3", false), // a hard negative
        ("a1", "v1", true),  // touches a validation style: skipped
        ("v1", "v2", false), // so does this one
        ("a1", "zz", true),  // zz is not in the catalog
        ("a2", "b2", false)); // in one group once a1-b1 joins the styles: a conflict

    private static CatalogEntry Entry(string sku, string? style) =>
        new(1, sku, $"/catalog/images/{sku}.png", style, null, null, null, new Dictionary<string, string>());

    private static ReviewLabels Verdicts(params (string A, string B, bool Confirmed)[] pairs) => new()
    {
        Source = "test",
        Fingerprint = "",
        Pairs = pairs.Select(p => new ReviewPair(p.A, p.B, p.Confirmed)).ToList(),
    };

    private static Dictionary<string, string?> Groups(LabelGroups groups) =>
        Catalog.Where(groups.Selects).ToDictionary(e => e.Sku, e => groups.GroupOf(e.Sku));

    [Fact]
    public void The_test_styles_are_on_the_sides_they_claim() =>
        Assert.Equal([SplitPart.Train, SplitPart.Train, SplitPart.Validation], new[] { TrainA, TrainB, Validation }.Select(StyleSplit.Of));

    [Fact]
    public void Styles_and_confirmed_pairs_are_joined_and_rejected_pairs_across_groups_are_negatives()
    {
        var groups = LabelGroups.Build(Catalog, Labels, labelsOnly: false);

        Assert.Equal(new Dictionary<string, string?>
        {
            ["a1"] = "a1", ["a2"] = "a1", ["b1"] = "a1", ["b2"] = "a1", ["n1"] = "n1", ["n2"] = "n1", ["n3"] = "n3",
        }, Groups(groups));
        Assert.Equal([("a2", "n3")], groups.Negatives);
        Assert.Equal(new LabelSummary(Confirmed: 2, Rejected: 1, Groups: 2, SkippedValidation: 2, SkippedUnknown: 1, Conflicts: 1), groups.Summary);
    }

    [Fact]
    public void Labels_only_groups_by_the_confirmed_pairs_alone()
    {
        var groups = LabelGroups.Build(Catalog, Labels, labelsOnly: true);

        // Only products a kept verdict names; a2 and b2 share a style but no confirmed pair, so their rejection is a negative.
        Assert.Equal(new Dictionary<string, string?>
        {
            ["a1"] = "a1", ["a2"] = "a2", ["b1"] = "a1", ["b2"] = "b2", ["n1"] = "n1", ["n2"] = "n1", ["n3"] = "n3",
        }, Groups(groups));
        Assert.Equal([("a2", "b2"), ("a2", "n3")], groups.Negatives.Order());
        Assert.Equal(new LabelSummary(Confirmed: 2, Rejected: 2, Groups: 2, SkippedValidation: 2, SkippedUnknown: 1, Conflicts: 0), groups.Summary);
    }

    [Fact]
    public void Products_of_validation_styles_never_train_even_when_confirmed_with_a_train_product()
    {
        foreach (var labelsOnly in new[] { false, true })
        {
            var groups = LabelGroups.Build(Catalog, Verdicts(("v1", "a1", true), ("v2", "n4", true)), labelsOnly);
            Assert.False(groups.Selects(Catalog.Single(e => e.Sku == "v1")));
            Assert.False(groups.Selects(Catalog.Single(e => e.Sku == "v2")));
            Assert.False(groups.Selects(Catalog.Single(e => e.Sku == "n4"))); // its only verdict was skipped
            Assert.Equal(2, groups.Summary.SkippedValidation);
            Assert.Equal(labelsOnly ? Array.Empty<string>() : ["a1", "a2", "b1", "b2"], Catalog.Where(groups.Selects).Select(e => e.Sku));
        }
    }

    [Fact]
    public void A_chain_of_confirmed_pairs_is_one_group_named_by_its_smallest_sku()
    {
        var groups = LabelGroups.Build(Catalog, Verdicts(("n3", "n4", true), ("n2", "n3", true), ("n1", "n4", true), ("n1", "n3", false)), labelsOnly: true);

        Assert.Equal(["n1", "n1", "n1", "n1"], new[] { "n1", "n2", "n3", "n4" }.Select(groups.GroupOf));
        Assert.Equal(new LabelSummary(3, 0, 1, 0, 0, 1), groups.Summary);
    }

    [Fact]
    public void For_the_cache_gives_each_images_group_and_the_negatives_among_its_images()
    {
        var groups = LabelGroups.Build(Catalog, Verdicts(("a1", "n1", false), ("a2", "n2", false), ("b1", "b2", true)), labelsOnly: false);
        // n2's image did not decode: its negative drops out.
        CachedImage[] items = [new(2, "n1", null, null), new(3, "b1", TrainB, null), new(4, "a1", TrainA, null), new(5, "a2", TrainA, null)];

        var (ids, negatives) = groups.For(items);

        Assert.Equal(new string?[] { "n1", "b1", "a1", "a1" }, ids);
        Assert.Equal([(2, 0)], negatives);
    }
}
