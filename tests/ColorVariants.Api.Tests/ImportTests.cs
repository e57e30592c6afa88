using ColorVariants.Cli.Import;
using ColorVariants.Core.Catalog;

namespace ColorVariants.Api.Tests;

/// <summary>The CLI's importer against the service: bad rows reported by line, the rest imported, reruns idempotent.</summary>
public sealed class ImportTests(CatalogApiFactory factory) : IClassFixture<CatalogApiFactory>, IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("import-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task Imports_good_rows_lists_bad_ones_and_a_rerun_changes_nothing()
    {
        Directory.CreateDirectory(Path.Combine(_folder, "img"));
        File.WriteAllBytes(Path.Combine(_folder, "img", "a.jpg"), Uploads.Product(0, Uploads.Red));
        File.WriteAllBytes(Path.Combine(_folder, "img", "b.jpg"), Uploads.Product(0, Uploads.Blue));
        File.WriteAllBytes(Path.Combine(_folder, "img", "c.jpg"), Uploads.Product(1, Uploads.Red));
        File.WriteAllText(Path.Combine(_folder, "img", "broken.jpg"), "not an image");
        File.WriteAllText(Path.Combine(_folder, "catalog.csv"), """
            sku,image,style,category,name,colour,season
            0001,img/a.jpg,s1,Dress,Square dress,Red,summer
            0002,img/b.jpg,s1,Dress,Square dress,Blue,summer
            0003,img/broken.jpg,s2,Dress,Broken,Red,
            0001,img/c.jpg,s3,Dress,Duplicate,Red,
            0004,img/missing.jpg,s4,Dress,Missing,Red,
            0005,img/c.jpg,s5,Dress,Disc dress,Red,winter
            """);
        var catalog = CatalogFolder.Read(_folder);
        var importer = new CatalogImporter(factory.CreateClient());
        var reports = new List<ImportProgress>();

        var first = await importer.ImportAsync(catalog, new ImportOptions { Concurrency = 3 }, new Progress(reports));

        Assert.Equal((6, 3, 0, 0, 3), (first.Counts.Total, first.Counts.Created, first.Counts.Replaced, first.Counts.Unchanged, first.Counts.Failed));
        Assert.Equal([4, 5, 6], first.Failures.Select(f => f.Line));
        Assert.Contains("415", first.Failures[0].Reason);
        Assert.Contains("already on line 2", first.Failures[1].Reason);
        Assert.Contains("does not exist", first.Failures[2].Reason);
        Assert.Equal(6, reports[^1].Finished);
        Assert.Equal("winter", (await factory.ScalarAsync("SELECT attributes->>'season' FROM products WHERE sku = '0005'")));

        var second = await importer.ImportAsync(catalog, new ImportOptions { Concurrency = 3 });
        Assert.Equal((0, 0, 3, 3), (second.Counts.Created, second.Counts.Replaced, second.Counts.Unchanged, second.Counts.Failed));
        Assert.Equal(3L, await factory.ScalarAsync("SELECT count(*) FROM products"));
        Assert.Equal(3L, await factory.ScalarAsync("SELECT count(*) FROM embeddings"));
    }

    private sealed class Progress(List<ImportProgress> reports) : IProgress<ImportProgress>
    {
        public void Report(ImportProgress value)
        {
            lock (reports) reports.Add(value);
        }
    }
}
