using ColorVariants.Core.Catalog;
using ColorVariants.Core.Evaluation;
using ColorVariants.Training.Data;

namespace ColorVariants.Training.Tests.Data;

public class CatalogSelectionTests
{
    private static CatalogEntry Entry(string? style) =>
        new(2, "x", "/tmp/x.jpg", style, null, null, null, new Dictionary<string, string>());

    private static string StyleOn(SplitPart part) =>
        Enumerable.Range(0, 100).Select(i => $"style-{i}").First(s => StyleSplit.Of(s) == part);

    [Fact]
    public void Selections_follow_the_style_split_and_keep_validation_out_of_self_supervision()
    {
        var train = Entry(StyleOn(SplitPart.Train));
        var validation = Entry(StyleOn(SplitPart.Validation));
        var unlabelled = Entry(null);

        Assert.Equal([true, false, false], new[] { train, validation, unlabelled }.Select(CatalogSelection.TrainStyles));
        Assert.Equal([false, true, false], new[] { train, validation, unlabelled }.Select(CatalogSelection.ValidationStyles));
        Assert.Equal([true, false, true], new[] { train, validation, unlabelled }.Select(CatalogSelection.NotValidation));
    }
}
