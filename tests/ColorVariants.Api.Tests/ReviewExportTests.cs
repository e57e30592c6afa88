using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ColorVariants.Api.Reviews;

namespace ColorVariants.Api.Tests;

/// <summary>GET /reviews/export: every stored verdict as the CSV `train triplet --labels` reads. A schema of its own: no other test's verdicts.</summary>
public class ReviewExportTests(CatalogApiFactory factory) : IClassFixture<CatalogApiFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    private async Task<ReviewResponse> ReviewAsync(string a, string b, string verdict, string reviewer)
    {
        var response = await _client.PostAsJsonAsync("/reviews", new ReviewRequest(a, b, verdict, reviewer));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<ReviewResponse>())!;
    }

    private static string Utc(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    [Fact]
    public async Task Export_streams_the_stored_verdicts_oldest_first_with_quoted_reviewers_and_utc_times()
    {
        var header = await _client.GetAsync("/reviews/export");
        Assert.Equal("sku_a,sku_b,verdict,reviewer,at\n", await header.Content.ReadAsStringAsync()); // no verdicts yet

        await ReviewAsync("x-1", "x-2", "confirmed", "team a");
        var quoted = await ReviewAsync("y-2", "y-1", "rejected", "Lee, \"the eye\"");
        var undone = await ReviewAsync("x-3", "x-1", "confirmed", "b");
        Assert.Equal(HttpStatusCode.NoContent, (await _client.DeleteAsync($"/reviews/{undone.Id}")).StatusCode);
        var replaced = await ReviewAsync("x-2", "x-1", "rejected", "c"); // replaces the first verdict, keeps its place

        var response = await _client.GetAsync("/reviews/export");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(
            "sku_a,sku_b,verdict,reviewer,at\n" +
            $"x-1,x-2,rejected,c,{Utc(replaced.At)}\n" +
            $"y-1,y-2,rejected,\"Lee, \"\"the eye\"\"\",{Utc(quoted.At)}\n",
            await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Export_is_in_the_openapi_document()
    {
        var document = await _client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var export = document.GetProperty("paths").GetProperty("/reviews/export").GetProperty("get");
        Assert.Equal(("ExportReviews", "Reviews"), (export.GetProperty("operationId").GetString(), export.GetProperty("tags")[0].GetString()));
    }
}
