using ColorVariants.Core.Catalog;

namespace ColorVariants.Api.Tests;

/// <summary>The H&amp;M dev set beside the repository (../shared), and small catalog folders cut from it.</summary>
public static class DevSet
{
    public static string Folder => Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../../../shared/datasets/hm-colour-variants-dev"));

    public static void SkipIfAbsent() =>
        Skip.IfNot(File.Exists(Path.Combine(Folder, "catalog.csv")), $"The H&M dev set is not at {Folder} (../shared beside the repo); this test needs it.");

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
