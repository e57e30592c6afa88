using ColorVariants.Core.Catalog;

namespace ColorVariants.Core.Tests.Catalog;

public sealed class CatalogFolderTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("catalog-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Reads_columns_by_header_name_keeps_unknown_ones_and_reports_bad_rows_by_line()
    {
        Directory.CreateDirectory(Path.Combine(_folder, "images"));
        foreach (var name in new[] { "a.jpg", "b.jpg", "c.jpg", "e.jpg" })
            File.WriteAllBytes(Path.Combine(_folder, "images", name), [1]);
        File.WriteAllText(Path.Combine(_folder, "catalog.csv"), """"
            Image,SKU,style,Category,name,colour,pattern
            images/a.jpg,0001,s1,Dress,"Dress, long",Red,Solid
            images/b.jpg,0001,s1,Dress,dup,Blue,Solid
            images/c.jpg,bad sku!,s2,Top,x,Red,Solid
            ../outside.jpg,0003,s3,Top,x,Red,Solid
            images/missing.jpg,0004,s4,Top,x,Red,Solid
            ,0005,s5,Top,x,Red,Solid
            images/e.jpg,0006,s6,Top,"two
            lines ""quoted""",Green,Dots
            """");

        var catalog = CatalogFolder.Read(_folder);

        Assert.Equal(["0001", "0006"], catalog.Entries.Select(e => e.Sku));
        var first = catalog.Entries[0];
        Assert.Equal(("s1", "Dress", "Dress, long", "Red"), (first.Style, first.Category, first.Name, first.Colour));
        Assert.Equal("Solid", first.Attributes["pattern"]);
        Assert.Equal(Path.Combine(_folder, "images", "a.jpg"), first.ImagePath);
        Assert.Equal("two\nlines \"quoted\"", catalog.Entries[1].Name);
        Assert.Equal(8, catalog.Entries[1].Line);

        Assert.Equal([3, 4, 5, 6, 7], catalog.Problems.Select(p => p.Line));
        Assert.Contains("already on line 2", catalog.Problems[0].Reason);
        Assert.Contains("characters", catalog.Problems[1].Reason);
        Assert.Contains("outside", catalog.Problems[2].Reason);
        Assert.Contains("does not exist", catalog.Problems[3].Reason);
        Assert.Contains("image is missing", catalog.Problems[4].Reason);
    }

    [Fact]
    public void A_header_without_sku_or_image_is_refused()
    {
        File.WriteAllText(Path.Combine(_folder, "catalog.csv"), "id,picture\n1,a.jpg\n");
        Assert.Throws<InvalidDataException>(() => CatalogFolder.Read(_folder));
    }

    [Theory]
    [InlineData("0001", true)]
    [InlineData("A-b_c.9", true)]
    [InlineData("", false)]
    [InlineData("..", false)]
    [InlineData("a/b", false)]
    [InlineData("a b", false)]
    [InlineData("é", false)]
    [InlineData("abc\n", false)] // issue 9: .NET's $ matched before a final newline
    public void Sku_rules_follow_the_catalog_format(string sku, bool valid)
    {
        Assert.Equal(valid, Sku.IsValid(sku));
        Assert.False(Sku.IsValid(new string('a', 65)));
        Assert.True(Sku.IsValid(new string('a', 64)));
    }
}
