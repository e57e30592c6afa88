using System.Net.Http.Json;
using ColorVariants.Api.Variants;
using ColorVariants.Cli.Import;
using ColorVariants.Core.Catalog;
using Npgsql;
using Pgvector;
using Xunit.Abstractions;

namespace ColorVariants.Api.Tests;

/// <summary>
/// 600 real products imported through the API: the HNSW answers of /variants must agree with
/// exact search over the same stored vectors in at least 98 % of the top-10 positions.
/// </summary>
public class IndexQualityTests(CatalogApiFactory factory, ITestOutputHelper output) : IClassFixture<CatalogApiFactory>
{
    private const int Products = 600;

    public static string DevSet => Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../../../shared/datasets/hm-colour-variants-dev"));

    [SkippableFact]
    public async Task Variants_match_exact_search_in_98_percent_of_top_10_positions()
    {
        Skip.IfNot(File.Exists(Path.Combine(DevSet, "catalog.csv")), $"The H&M dev set is not at {DevSet} (../shared beside the repo); this test needs it.");

        var catalog = CatalogFolder.Read(DevSet);
        var subset = SubsetFolder(catalog, Products);
        var client = factory.CreateClient();
        var imported = await new CatalogImporter(client).ImportAsync(subset, new ImportOptions { Concurrency = 8 });
        Assert.Equal(Products, imported.Counts.Created);
        await factory.WaitForIndexAsync(); // this test is about the index: without it searches are exact

        var vectors = await StoredVectorsAsync();
        Assert.Equal(Products, vectors.Count);

        foreach (var sameCategory in new[] { false, true })
        {
            int matching = 0, positions = 0;
            foreach (var (sku, (category, vector)) in vectors)
            {
                var answer = await client.GetFromJsonAsync<VariantsResponse>($"/variants/{sku}?limit=10&sameCategory={sameCategory}");
                var exact = vectors
                    .Where(other => other.Key != sku && (!sameCategory || other.Value.Category == category))
                    .Select(other => (other.Key, Score: Cosine(vector, other.Value.Vector)))
                    .OrderByDescending(o => o.Score).ThenBy(o => o.Key, StringComparer.Ordinal)
                    .Take(10).Select(o => o.Key).ToList();
                Assert.Equal(exact.Count, answer!.Variants.Count);
                positions += exact.Count;
                matching += exact.Where((s, i) => answer.Variants[i].Sku == s).Count();
            }
            var agreement = (double)matching / positions;
            output.WriteLine($"sameCategory={sameCategory}: {matching} of {positions} top-10 positions agree with exact search ({agreement:P2}).");
            Assert.True(agreement >= 0.98, $"only {agreement:P2} of top-10 positions agree with exact search (sameCategory={sameCategory})");
        }
    }

    /// <summary>
    /// A catalog folder of the first <paramref name="count"/> products (the file is sorted by style,
    /// so variants come together), their images linked in from the dev set.
    /// </summary>
    private static CatalogFolder SubsetFolder(CatalogFolder catalog, int count)
    {
        var folder = Directory.CreateTempSubdirectory("index-quality-").FullName;
        Directory.CreateDirectory(Path.Combine(folder, "images"));
        var lines = new List<string> { "sku,image,category" };
        foreach (var entry in catalog.Entries.Take(count))
        {
            var name = Path.GetFileName(entry.ImagePath);
            File.CreateSymbolicLink(Path.Combine(folder, "images", name), entry.ImagePath);
            lines.Add($"{entry.Sku},images/{name},\"{entry.Category}\"");
        }
        File.WriteAllLines(Path.Combine(folder, "catalog.csv"), lines);
        return CatalogFolder.Read(folder);
    }

    private async Task<Dictionary<string, (string? Category, float[] Vector)>> StoredVectorsAsync()
    {
        var vectors = new Dictionary<string, (string?, float[])>();
        var dataSourceBuilder = new NpgsqlDataSourceBuilder(factory.ConnectionString);
        dataSourceBuilder.UseVector();
        await using var dataSource = dataSourceBuilder.Build();
        await using var command = dataSource.CreateCommand("SELECT e.sku, e.category, e.embedding FROM embeddings e JOIN models m ON m.id = e.model_id AND m.active");
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var halves = reader.GetFieldValue<HalfVector>(2).ToArray();
            vectors[reader.GetString(0)] = (reader.IsDBNull(1) ? null : reader.GetString(1), halves.Select(h => (float)h).ToArray());
        }
        return vectors;
    }

    private static double Cosine(float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (var i = 0; i < a.Length; i++) { dot += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i]; }
        return dot / Math.Sqrt(na * nb);
    }
}
