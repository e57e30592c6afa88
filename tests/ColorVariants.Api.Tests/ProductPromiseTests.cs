using System.Net.Http.Json;
using ColorVariants.Api.Variants;
using ColorVariants.Cli.Import;
using ColorVariants.Core.Catalog;
using ColorVariants.Core.Evaluation;
using Xunit.Abstractions;

namespace ColorVariants.Api.Tests;

/// <summary>
/// What a shop is promised, on real products through the API with the served default model: in
/// its category, a product's own colour variants come before the other designs. The products are
/// chosen by a fixed rule, not by how well they do: in the three largest categories of the
/// validation styles, the first three styles with at least three products there, and the first 30
/// other products of the category as the other designs.
/// </summary>
public class ProductPromiseTests(CatalogApiFactory factory, ITestOutputHelper output) : IClassFixture<CatalogApiFactory>
{
    [SkippableFact]
    public async Task Variants_rank_above_the_other_designs_of_their_category()
    {
        DevSet.SkipIfAbsent();
        var validation = DevSet.Validation();
        var chosen = new List<CatalogEntry>();
        var styles = new List<List<CatalogEntry>>();
        foreach (var category in validation.GroupBy(e => e.Category!).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).Take(3))
        {
            var variantStyles = category.GroupBy(e => e.Style!).Where(g => g.Count() >= 3)
                .OrderBy(g => g.Key, StringComparer.Ordinal).Take(3).Select(g => g.ToList()).ToList();
            var others = category.Where(e => variantStyles.All(s => s[0].Style != e.Style)).Take(30);
            styles.AddRange(variantStyles);
            chosen.AddRange(variantStyles.SelectMany(s => s).Concat(others));
        }
        var client = factory.CreateClient();
        var imported = await new CatalogImporter(client).ImportAsync(DevSet.Subset(chosen), new ImportOptions { Concurrency = 4 });
        Assert.Equal(chosen.Count, imported.Counts.Created);

        int queries = 0, variantFirst = 0;
        double averagePrecision = 0;
        foreach (var style in styles)
        {
            var members = style.Select(e => e.Sku).ToHashSet();
            foreach (var query in style)
            {
                var answer = await client.GetFromJsonAsync<VariantsResponse>($"/variants/{query.Sku}?limit=100");
                var ranked = answer!.Variants.Select(v => v.Sku).ToList();
                queries++;
                if (members.Contains(ranked[0])) variantFirst++;
                // Average precision over the query's variants in the whole ranking of its category.
                double hits = 0, sum = 0;
                for (var rank = 0; rank < ranked.Count; rank++)
                {
                    if (!members.Contains(ranked[rank])) continue;
                    hits++;
                    sum += hits / (rank + 1);
                }
                averagePrecision += sum / (members.Count - 1);
            }
        }
        var (r1, map) = ((double)variantFirst / queries, averagePrecision / queries);
        output.WriteLine($"{queries} queries in {styles.Count} styles among {chosen.Count} products: a variant first for {r1:P1}, mAP {map:0.000}.");
        // Chance (a random order of a category of ~48 with 3 to 9 variants) puts a variant first for
        // about 10 % and gives an mAP near 0.12. The served default measured 53.7 % and 0.462 here
        // (2 cores, CPU provider); the bounds leave room for another machine's last digits, not for a
        // model that ranks by shade.
        Assert.True(r1 >= 0.45, $"a variant came first for only {r1:P1} of the queries");
        Assert.True(map >= 0.40, $"mAP over the variants was only {map:0.000}");
    }
}
