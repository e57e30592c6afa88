using System.Net;
using System.Net.Http.Json;
using ColorVariants.Api.Embedding;
using ColorVariants.Api.Variants;
using ColorVariants.Cli.Import;
using ColorVariants.Core.Catalog;
using ColorVariants.Core.Evaluation;
using Xunit.Abstractions;

namespace ColorVariants.Api.Tests;

/// <summary>
/// The served default's verifier on real products through the API: once the catalog is whitened,
/// answers are ranked by the verifier's probability and its decision calls a product's colour
/// variants variants, and few lookalikes. The products are chosen by a fixed rule, not by how well
/// they do: the validation styles of the two largest categories there, in sku order, the first 320.
/// </summary>
public class VerifierTests(CatalogApiFactory factory, ITestOutputHelper output) : IClassFixture<CatalogApiFactory>
{
    [SkippableFact]
    public async Task A_products_variants_are_called_variants()
    {
        DevSet.SkipIfAbsent();
        var chosen = DevSet.LargestValidationCategories(2, 320);
        var client = factory.CreateClient();
        var imported = await new CatalogImporter(client).ImportAsync(DevSet.Subset(chosen), new ImportOptions { Concurrency = 4 });
        Assert.Equal(chosen.Count, imported.Counts.Created);

        // Before any whitening the verifier stays out: the score order and threshold decide.
        var raw = (await client.GetFromJsonAsync<VariantsResponse>($"/variants/{chosen[0].Sku}"))!;
        Assert.All(raw.Variants, v => Assert.Null(v.Probability));

        var refit = await client.PostAsync("/models/active/whitening", null);
        Assert.Equal(HttpStatusCode.OK, refit.StatusCode);
        output.WriteLine((await refit.Content.ReadFromJsonAsync<WhiteningRefit>())!.Detail);
        // The chance scores under the new whitening are measured in the background (the regroup after a refit).
        await factory.WhenIdleAsync();
        var probe = (await client.GetFromJsonAsync<VariantsResponse>($"/variants/{chosen[0].Sku}"))!;
        Assert.NotNull(probe.Variants[0].Probability);

        var styleOf = chosen.ToDictionary(e => e.Sku, e => e.Style!);
        var withVariants = chosen.Where(e => chosen.Count(o => o.Style == e.Style && o.Category == e.Category) > 1).ToList();
        int called = 0, correct = 0, firstIsVariant = 0, bestScoreIsVariant = 0;
        foreach (var query in withVariants)
        {
            var answer = (await client.GetFromJsonAsync<VariantsResponse>($"/variants/{query.Sku}?limit={VariantRanking.Candidates}"))!;
            // Best first by the verifier: probabilities never rise down the list.
            Assert.True(answer.Variants.Zip(answer.Variants.Skip(1)).All(p => p.First.Probability >= p.Second.Probability), $"{query.Sku}: not ranked by probability");
            if (styleOf[answer.Variants[0].Sku] == query.Style) firstIsVariant++;
            var bestScore = answer.Variants.OrderByDescending(v => v.Score).ThenBy(v => v.Sku, StringComparer.Ordinal).First();
            if (styleOf[bestScore.Sku] == query.Style) bestScoreIsVariant++;
            foreach (var item in answer.Variants.Where(v => v.IsVariant))
            {
                called++;
                if (styleOf[item.Sku] == query.Style) correct++;
            }
        }
        var precision = called == 0 ? 0 : (double)correct / called;
        var r1 = (double)firstIsVariant / withVariants.Count;
        output.WriteLine($"{withVariants.Count} queries among {chosen.Count} products: a variant first for {r1:P1} " +
            $"(by score alone {(double)bestScoreIsVariant / withVariants.Count:P1}); {called} items called variants, {correct} of them are ({precision:P1}).");
        // Measured on 2 cores (CPU provider): a variant first for 44.7 %, 29 called variants, 27 of them
        // right (two crowded categories, 320 products; the verifier before its pairwise products: 42.2 %, 15 of 15). The bounds leave room for another machine's last
        // digits, not for a decision that calls nothing, calls lookalikes, or a ranking by shade.
        Assert.True(correct >= 10, $"only {correct} variants were called variants");
        Assert.True(precision >= 0.8, $"of {called} items called variants only {precision:P1} are");
        Assert.True(r1 >= 0.35, $"a variant came first for only {r1:P1} of the queries");

        // The groups come from the same decision: mostly one style each, and more than a handful of pairs.
        var page = await GroupSeeding.SettledAsync(factory, client, "minSize=2&limit=500");
        long grouped = 0, sameStyle = 0;
        foreach (var summary in page.Groups)
        {
            var group = (await client.GetFromJsonAsync<Groups.GroupResponse>($"/groups/{summary.GroupId}"))!;
            var members = group.Members.Select(m => styleOf[m.Sku]).ToList();
            grouped += members.Count * (members.Count - 1) / 2;
            sameStyle += members.GroupBy(m => m).Sum(g => (long)g.Count() * (g.Count() - 1) / 2);
        }
        output.WriteLine($"{page.Groups.Count} groups: {sameStyle} of {grouped} grouped pairs share a style.");
        // Measured: 15 groups, 12 of 17 grouped pairs of one style (before the pairwise products: 7 of 7;
        // a group joins through any mutual pair above the threshold, so one lookalike costs a pair per member).
        Assert.True(sameStyle >= 8 && sameStyle >= 0.6 * grouped, $"groups: {sameStyle} of {grouped} grouped pairs share a style");

        // variantsOnly keeps exactly the items called variants, in the same order.
        var sample = withVariants[0].Sku;
        var all = (await client.GetFromJsonAsync<VariantsResponse>($"/variants/{sample}?limit=50"))!.Variants.Where(v => v.IsVariant).Select(v => v.Sku);
        var only = (await client.GetFromJsonAsync<VariantsResponse>($"/variants/{sample}?limit=50&variantsOnly=true"))!.Variants;
        Assert.All(only, v => Assert.True(v.IsVariant));
        Assert.Equal(all, only.Select(v => v.Sku));
    }
}
