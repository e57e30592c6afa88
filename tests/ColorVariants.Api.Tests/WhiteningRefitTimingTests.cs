using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using ColorVariants.Api.Embedding;
using Npgsql;
using Xunit.Abstractions;

namespace ColorVariants.Api.Tests;

/// <summary>
/// The README's refit figures: a dev-set-sized catalog of synthetic vectors (written straight into
/// the tables), a refit, and an upload sent while it runs. Minutes of work, so only on request:
/// WHITENING_REFIT_TIMING=1.
/// </summary>
public class WhiteningRefitTimingTests(WhiteningFactory factory, ITestOutputHelper output) : IClassFixture<WhiteningFactory>
{
    private const int Products = 7135;

    [SkippableFact]
    public async Task A_refit_of_a_dev_set_sized_catalog_and_an_upload_during_it()
    {
        Skip.IfNot(Environment.GetEnvironmentVariable("WHITENING_REFIT_TIMING") == "1", "Set WHITENING_REFIT_TIMING=1 to measure a refit (minutes).");
        var client = factory.CreateClient();
        client.Timeout = TimeSpan.FromMinutes(15);
        await WhiteningCatalog.UploadAsync(client, [0]);
        var dimensions = (int)(await factory.ScalarAsync("SELECT dimensions FROM models WHERE active"))!;
        var insert = Stopwatch.StartNew();
        await using (var connection = new NpgsqlConnection(factory.ConnectionString))
        {
            await connection.OpenAsync();
            // Sparse, non-negative, unevenly scaled coordinates, as pooled ReLU features are.
            await using var command = new NpgsqlCommand($"""
                INSERT INTO products (sku, category, image_sha256)
                SELECT 'syn-' || i, 'c' || (i % 40), (SELECT image_sha256 FROM products WHERE sku = 'w000')
                FROM generate_series(1, {Products - 1}) AS i;
                INSERT INTO embeddings (model_id, sku, image_sha256, category, embedding, raw)
                SELECT id, sku, image_sha256, category, v, v FROM (
                    SELECT m.id, p.sku, p.image_sha256, p.category,
                           l2_normalize((SELECT array_agg(greatest(random() - 0.4, 0) * (1 + (j % 7))) FROM generate_series(1, {dimensions}) j WHERE p.sku IS NOT NULL)::vector)::halfvec({dimensions}) AS v
                    FROM products p, models m WHERE m.active AND p.sku LIKE 'syn-%' OFFSET 0) r;
                ANALYZE embeddings;
                """, connection) { CommandTimeout = 0 };
            await command.ExecuteNonQueryAsync();
        }
        output.WriteLine($"inserting {Products - 1} rows of {dimensions} dimensions with their HNSW entries: {insert.Elapsed.TotalSeconds:0.0} s");

        // Uploads every 3 s for as long as the refit runs, through its fit and its re-projection: none waits for it.
        var refit = client.PostAsync("/models/active/whitening", null);
        var uploads = new List<double>();
        for (var i = 0; !refit.IsCompleted; i++)
        {
            var upload = Stopwatch.StartNew();
            Assert.Equal(HttpStatusCode.Created, (await client.PutAsync($"/products/during-{i}", Uploads.Form(WhiteningCatalog.Image(5 + i)))).StatusCode);
            uploads.Add(upload.Elapsed.TotalSeconds);
            await Task.WhenAny(refit, Task.Delay(TimeSpan.FromSeconds(3)));
        }
        uploads.Sort();
        output.WriteLine($"{uploads.Count} uploads sent during the refit: median {uploads[uploads.Count / 2]:0.00} s, longest {uploads[^1]:0.00} s");
        var response = await refit;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = (await response.Content.ReadFromJsonAsync<WhiteningRefit>())!;
        output.WriteLine($"{answer.Detail} Total {answer.Seconds} s.");
        Assert.Equal(RefitOutcome.Fitted, answer.Outcome);
    }
}
