using System.Net;
using System.Net.Http.Json;
using ColorVariants.Api.Infrastructure;
using ColorVariants.Api.Storage;
using ColorVariants.Api.Variants;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ColorVariants.Api.Tests;

/// <summary>The exact-versus-HNSW choice on its own: no database.</summary>
public class SearchPlanTests
{
    private static SearchPlan Plan(int exactSearchMaxRows) => new(Options.Create(new SearchOptions { ExactSearchMaxRows = exactSearchMaxRows }));

    [Fact]
    public void Without_a_category_the_index_answers()
    {
        Assert.Equal(SearchMethod.Hnsw, Plan(5000).Choose(null, 0));
        Assert.Equal(SearchMethod.Hnsw, Plan(5000).Choose(null, 3));
    }

    [Fact]
    public void A_category_up_to_the_threshold_is_scanned_exactly_and_a_larger_one_goes_through_the_index()
    {
        var plan = Plan(10);
        Assert.Equal(11, plan.CountCategoryUpTo);
        Assert.Equal(SearchMethod.Exact, plan.Choose("Tiny", 1));
        Assert.Equal(SearchMethod.Exact, plan.Choose("Tiny", 10));
        Assert.Equal(SearchMethod.Hnsw, plan.Choose("Rare", 11));
        Assert.Equal(SearchMethod.Hnsw, Plan(0).Choose("Any", 1));
    }
}

/// <summary>A threshold of 10 vectors, so a small test catalog has categories on both sides of it.</summary>
public sealed class LowExactThresholdFactory : CatalogApiFactory
{
    public const int ExactSearchMaxRows = 10;
    protected override IEnumerable<KeyValuePair<string, string?>> Settings => [new("Search:ExactSearchMaxRows", $"{ExactSearchMaxRows}")];
}

/// <summary>
/// Both branches of the search plan against the real index: 1,000 random vectors written straight
/// into the tables, in a category of 2 % (20, above the threshold: HNSW with iterative scans), one
/// of 5 (at most the threshold: exact) and a common one. Without iterative scans the index's 40
/// candidates would hold about 1 of the rare category; the answer must still fill `limit`.
/// </summary>
public class SearchBranchTests(LowExactThresholdFactory factory) : IClassFixture<LowExactThresholdFactory>, IAsyncLifetime
{
    private readonly HttpClient _client = factory.CreateClient();
    private int _dimensions;

    public async Task InitializeAsync()
    {
        _dimensions = (int)(await factory.ScalarAsync("SELECT dimensions FROM models WHERE active"))!;
        if (await factory.ScalarAsync("SELECT count(*) FROM products") is > 0L) return;
        Assert.Equal(HttpStatusCode.Created, (await _client.PutAsync("/products/seed", Uploads.Form(Uploads.Product(0, Uploads.Red), "Common"))).StatusCode);
        await factory.WaitForIndexAsync(); // the HNSW branch is only HNSW with the index there
        await using var connection = new NpgsqlConnection(factory.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"""
            INSERT INTO products (sku, category, image_sha256)
            SELECT 'syn-' || i, CASE WHEN i % 50 = 0 THEN 'Rare' WHEN i <= 5 THEN 'Tiny' ELSE 'Common' END, (SELECT image_sha256 FROM products WHERE sku = 'seed')
            FROM generate_series(1, 1000) AS i;
            INSERT INTO embeddings (model_id, sku, image_sha256, category, embedding, raw)
            SELECT id, sku, image_sha256, category, v, v FROM (
                SELECT m.id, p.sku, p.image_sha256, p.category,
                       (SELECT array_agg(random() - 0.5) FROM generate_series(1, {_dimensions}) WHERE p.sku IS NOT NULL)::halfvec({_dimensions}) AS v
                FROM products p, models m WHERE m.active AND p.sku LIKE 'syn-%' OFFSET 0) r;
            ANALYZE embeddings;
            """, connection) { CommandTimeout = 600 };
        await command.ExecuteNonQueryAsync();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task A_category_above_the_threshold_goes_through_the_index_with_iterative_scans_and_fills_the_limit()
    {
        using var meters = new MeterCapture(factory.Services);
        var scansBefore = await IndexScansAsync();

        var ten = (await _client.GetFromJsonAsync<VariantsResponse>("/variants/syn-50"))!.Variants;
        Assert.Equal(10, ten.Count);
        Assert.All(ten, v => Assert.Equal("Rare", v.Category));
        Assert.DoesNotContain(ten, v => v.Sku == "syn-50");
        Assert.Equal(ten.OrderByDescending(v => v.Score).Select(v => v.Sku), ten.Select(v => v.Sku));
        // Every score is the exact cosine of that pair, rounded as the answer rounds it.
        var exact = await ExactScoresAsync("syn-50", "Rare");
        Assert.All(ten, v => Assert.Equal(exact[v.Sku], v.Score));

        var all = (await _client.GetFromJsonAsync<VariantsResponse>("/variants/syn-50?limit=100"))!.Variants;
        Assert.Equal(exact.Keys.Order(StringComparer.Ordinal), all.Select(v => v.Sku).Order(StringComparer.Ordinal)); // every other product of the category

        Assert.Equal(["hnsw", "hnsw"], meters.Of("colorvariants.search.duration").Select(s => s.Tags[ServiceMetrics.SearchMethodTag]));
        await WaitForIndexScansAboveAsync(scansBefore);
    }

    [Fact]
    public async Task A_category_up_to_the_threshold_is_scanned_exactly()
    {
        using var meters = new MeterCapture(factory.Services);
        var answer = (await _client.GetFromJsonAsync<VariantsResponse>("/variants/syn-1"))!.Variants;
        var exact = await ExactScoresAsync("syn-1", "Tiny");
        Assert.Equal(4, answer.Count);
        Assert.Equal(exact.OrderByDescending(e => e.Value).ThenBy(e => e.Key, StringComparer.Ordinal).Select(e => (e.Key, e.Value)), answer.Select(v => (v.Sku, v.Score)));
        Assert.Equal(["exact"], meters.Of("colorvariants.search.duration").Select(s => s.Tags[ServiceMetrics.SearchMethodTag]));
    }

    [Fact]
    public async Task A_search_by_image_in_a_category_above_the_threshold_goes_through_the_index()
    {
        using var meters = new MeterCapture(factory.Services);
        using var form = Uploads.Form(Uploads.Product(0, Uploads.Red), category: "Common");
        form.Add(new StringContent("20"), "limit");
        var answer = await (await _client.PostAsync("/variants/search", form)).Content.ReadFromJsonAsync<SearchResponse>();
        Assert.Equal(20, answer!.Variants.Count);
        Assert.All(answer.Variants, v => Assert.Equal("Common", v.Category));
        Assert.Equal("seed", answer.Variants[0].Sku); // its own picture
        Assert.Equal(["hnsw"], meters.Of("colorvariants.search.duration").Select(s => s.Tags[ServiceMetrics.SearchMethodTag]));
    }

    /// <summary>Cosine of the product with every other product of the category, computed by PostgreSQL without an index.</summary>
    private async Task<Dictionary<string, double>> ExactScoresAsync(string sku, string category)
    {
        await using var connection = new NpgsqlConnection(factory.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"""
            SELECT e.sku, 1 - (e.embedding::halfvec({_dimensions}) <=> q.embedding::halfvec({_dimensions}))
            FROM embeddings e JOIN models m ON m.id = e.model_id AND m.active
            JOIN embeddings q ON q.model_id = e.model_id AND q.sku = @sku
            WHERE e.category = @category AND e.sku <> @sku
            """, connection);
        command.Parameters.AddWithValue("sku", sku);
        command.Parameters.AddWithValue("category", category);
        var scores = new Dictionary<string, double>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) scores[reader.GetString(0)] = VariantHit.Round(reader.GetDouble(1));
        return scores;
    }

    private async Task<long> IndexScansAsync() => (long)(await factory.ScalarAsync(
        "SELECT coalesce(sum(idx_scan), 0)::bigint FROM pg_stat_user_indexes WHERE schemaname = current_schema() AND indexrelname LIKE 'embeddings_hnsw_model_%'"))!;

    /// <summary>The server publishes a backend's statistics when it goes idle, within a second or so.</summary>
    private async Task WaitForIndexScansAboveAsync(long before)
    {
        for (var waited = TimeSpan.Zero; await IndexScansAsync() <= before; waited += TimeSpan.FromMilliseconds(200))
        {
            if (waited > TimeSpan.FromSeconds(30)) Assert.Fail("The HNSW index was not scanned: the HNSW branch ran without it.");
            await Task.Delay(200);
        }
    }
}
