using System.Net;
using System.Net.Http.Json;
using System.Text;
using ColorVariants.Api.Groups;
using ColorVariants.Api.Reviews;
using ColorVariants.Api.Variants;

namespace ColorVariants.Api.Tests;

/// <summary>Verdicts win over the model, in /variants and in the groups (threshold -1: one group per category until a verdict says otherwise).</summary>
public class ReviewTests(OneGroupPerCategoryFactory factory) : IClassFixture<OneGroupPerCategoryFactory>, IAsyncLifetime
{
    private readonly HttpClient _client = factory.CreateClient();

    public Task InitializeAsync() => GroupSeeding.SeedAsync(factory, _client);
    public Task DisposeAsync() => Task.CompletedTask;

    private async Task<ReviewResponse> ReviewAsync(string a, string b, string verdict)
    {
        var response = await _client.PostAsJsonAsync("/reviews", new ReviewRequest(a, b, verdict, "test team"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<ReviewResponse>())!;
    }

    [Fact]
    public async Task A_rejected_pair_never_appears_a_confirmed_one_is_a_variant_and_undo_restores_the_model()
    {
        // sameColour reads the groups, which are filled in the background: compare answers once they are.
        await GroupSeeding.SettledAsync(factory, _client);
        var before = (await _client.GetFromJsonAsync<VariantsResponse>("/variants/b0-c0?limit=7"))!;
        var nearest = before.Variants[0].Sku;
        var farthest = before.Variants[^1].Sku;

        var rejected = await ReviewAsync(nearest, "b0-c0", "rejected"); // the order of the two does not matter
        Assert.Equal((string.CompareOrdinal("b0-c0", nearest) < 0 ? "b0-c0" : nearest, "rejected"), (rejected.SkuA, rejected.Verdict));
        var confirmed = await ReviewAsync("b0-c0", farthest, "confirmed");

        var after = (await _client.GetFromJsonAsync<VariantsResponse>("/variants/b0-c0?limit=7"))!;
        Assert.Equal(6, after.Variants.Count); // 7 other dresses, one rejected
        Assert.DoesNotContain(after.Variants, v => v.Sku == nearest);
        var kept = after.Variants.Single(v => v.Sku == farthest);
        Assert.Equal(("confirmed", true), (kept.Reviewed, kept.IsVariant));
        Assert.Equal(before.Variants.Single(v => v.Sku == farthest).Score, kept.Score); // the score as it is

        var listed = (await _client.GetFromJsonAsync<ReviewList>("/reviews?sku=b0-c0"))!;
        Assert.Equal([rejected.Id, confirmed.Id], listed.Reviews.Select(r => r.Id));

        // The groups keep the rejected pair apart: one of the two leaves the dresses' group.
        var page = await GroupSeeding.SettledAsync(factory, _client, "category=Dress&minSize=1");
        Assert.Equal(2, page.Groups.Count);
        Assert.NotEqual(await GroupOf("b0-c0"), await GroupOf(nearest));

        Assert.Equal(HttpStatusCode.NoContent, (await _client.DeleteAsync($"/reviews/{rejected.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await _client.DeleteAsync($"/reviews/{confirmed.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.DeleteAsync($"/reviews/{confirmed.Id}")).StatusCode);
        Assert.Equal([("b0-c0", 8)], (await GroupSeeding.SettledAsync(factory, _client, "category=Dress&minSize=1")).Groups.Select(g => (g.GroupId, g.Size)));
        Assert.Equal(before.Variants, (await _client.GetFromJsonAsync<VariantsResponse>("/variants/b0-c0?limit=7"))!.Variants);
    }

    [Fact]
    public async Task Bad_verdicts_are_400s()
    {
        foreach (var body in new[]
                 {
                     """{"skuA":"b0-c0","skuB":"b0-c0","verdict":"confirmed","reviewer":"x"}""",
                     """{"skuA":"b0-c0","skuB":"b0 c1","verdict":"confirmed","reviewer":"x"}""",
                     """{"skuA":"b0-c0","skuB":"b0-c1","verdict":"maybe","reviewer":"x"}""",
                     """{"skuA":"b0-c0","skuB":"b0-c1","verdict":"confirmed","reviewer":""}""",
                     """{"skuA":"b0-c0","skuB":"b0-c1","verdict":"confirmed","reviewer":"a\u0000b"}""",
                     """{"skuA":"b0-c0",""",
                     """{"skuA":5}""",
                 })
        {
            var response = await _client.PostAsync("/reviews", new StringContent(body, Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
        foreach (var bad in new[] { "/reviews?limit=0", "/reviews?cursor=-1", "/reviews?sku=a%20b" })
            Assert.Equal(HttpStatusCode.BadRequest, (await _client.GetAsync(bad)).StatusCode);
    }

    private async Task<string?> GroupOf(string sku) =>
        (await _client.GetFromJsonAsync<Products.ProductResponse>($"/products/{sku}"))!.GroupId;
}
