using ColorVariants.Core.Catalog;
using ColorVariants.Core.Evaluation;

namespace ColorVariants.Api.Tests;

/// <summary>The H&amp;M dev set beside the repository (../shared), and small catalog folders cut from it.</summary>
public static class DevSet
{
    public static string Folder => Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../../../shared/datasets/hm-colour-variants-dev"));

    public static void SkipIfAbsent() =>
        Skip.IfNot(File.Exists(Path.Combine(Folder, "catalog.csv")), $"The H&M dev set is not at {Folder} (../shared beside the repo); this test needs it.");

    /// <summary>The dev set's products of the validation styles (EVALUATION.md), those with a style and a category.</summary>
    public static List<CatalogEntry> Validation() => CatalogFolder.Read(Folder).Entries
        .Where(e => e.Style is not null && e.Category is not null && StyleSplit.Of(e.Style) == SplitPart.Validation).ToList();

    /// <summary>
    /// The validation products of the <paramref name="categories"/> largest categories there, in sku order, the first
    /// <paramref name="count"/>: a fixed rule, not a choice by how well they do.
    /// </summary>
    public static List<CatalogEntry> LargestValidationCategories(int categories, int count)
    {
        var validation = Validation();
        var largest = validation.GroupBy(e => e.Category!).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
            .Take(categories).Select(g => g.Key).ToHashSet();
        return validation.Where(e => largest.Contains(e.Category!)).OrderBy(e => e.Sku, StringComparer.Ordinal).Take(count).ToList();
    }

    /// <summary>A catalog folder of <paramref name="entries"/> (sku, image, category), their images linked in from the dev set.</summary>
    public static CatalogFolder Subset(IEnumerable<CatalogEntry> entries) => Subset(entries, withStyle: false);

    /// <summary>The same, with the entries' <c>style</c> column when <paramref name="withStyle"/>: the labels an import sends as attributes.</summary>
    public static CatalogFolder Subset(IEnumerable<CatalogEntry> entries, bool withStyle)
    {
        var folder = Directory.CreateTempSubdirectory("dev-subset-").FullName;
        Directory.CreateDirectory(Path.Combine(folder, "images"));
        var lines = new List<string> { withStyle ? "sku,image,category,style" : "sku,image,category" };
        foreach (var entry in entries)
        {
            var name = Path.GetFileName(entry.ImagePath);
            File.CreateSymbolicLink(Path.Combine(folder, "images", name), entry.ImagePath);
            lines.Add($"{entry.Sku},images/{name},\"{entry.Category}\"" + (withStyle ? $",{entry.Style}" : ""));
        }
        File.WriteAllLines(Path.Combine(folder, "catalog.csv"), lines);
        return CatalogFolder.Read(folder);
    }
}
