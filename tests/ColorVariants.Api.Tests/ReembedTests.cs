using System.Net;
using System.Net.Http.Json;
using ColorVariants.Api.Models;
using ColorVariants.Api.Variants;
using ColorVariants.Core.Images;

namespace ColorVariants.Api.Tests;

public class ReembedTests
{
    [Fact]
    public async Task Switching_the_model_re_embeds_the_catalog()
    {
        var first = new CatalogApiFactory();
        await ((IAsyncLifetime)first).InitializeAsync();
        try
        {
            await RunAsync(first);
        }
        finally
        {
            await ((IAsyncLifetime)first).DisposeAsync();
        }
    }

    private static async Task RunAsync(CatalogApiFactory first)
    {
        var client = first.CreateClient();
        for (var i = 0; i < 6; i++)
            Assert.Equal(HttpStatusCode.Created, (await client.PutAsync($"/products/r{i}", Uploads.Form(Uploads.Product(i % 3, i < 3 ? Uploads.Red : Uploads.Blue), "Top"))).StatusCode);

        // A second service instance on the same tables, configured with another model.
        await using var second = new SchemaSharingFactory(first.Schema, CatalogApiFactory.PreparedModel(ColourMode.Rgb));
        var other = second.CreateClient();
        await second.WhenIdleAsync();
        var model = (await other.GetFromJsonAsync<ModelResponse>("/models/active"))!;
        Assert.Equal("resnet18-imagenet-rgb-gem-parts-hog", model.Name);
        Assert.Equal((6, 6, 0), (model.Reembedding.Total, model.Reembedding.Done, model.Reembedding.Failed));
        Assert.Equal(2L, await first.ScalarAsync("SELECT count(*) FROM models"));
        Assert.Equal(12L, await first.ScalarAsync("SELECT count(*) FROM embeddings"));
        var variants = await other.GetFromJsonAsync<VariantsResponse>("/variants/r0");
        Assert.Equal(("resnet18-imagenet-rgb-gem-parts-hog", 5), (variants!.Model, variants.Variants.Count));
        Assert.Equal(HttpStatusCode.OK, (await other.GetAsync("/readyz")).StatusCode);
    }

    /// <summary>
    /// Issue 9, bug 9: a failure inside re-embedding (here a trigger that refuses the first two
    /// vector inserts) is logged and retried; the host keeps serving and the catalog ends embedded.
    /// </summary>
    [Fact]
    public async Task A_re_embedding_failure_is_retried_and_the_service_keeps_answering()
    {
        var first = new CatalogApiFactory();
        await ((IAsyncLifetime)first).InitializeAsync();
        try
        {
            var client = first.CreateClient();
            for (var i = 0; i < 4; i++)
                Assert.Equal(HttpStatusCode.Created, (await client.PutAsync($"/products/f{i}", Uploads.Form(Uploads.Product(i, Uploads.Green), "Top"))).StatusCode);
            // A sequence is not rolled back with the failed insert, so exactly two inserts fail.
            await first.ScalarAsync("""
                CREATE SEQUENCE faults;
                CREATE FUNCTION inject_fault() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF nextval('faults') <= 2 THEN RAISE EXCEPTION 'injected fault'; END IF;
                    RETURN NEW;
                END $$;
                CREATE TRIGGER inject_fault BEFORE INSERT ON embeddings FOR EACH ROW EXECUTE FUNCTION inject_fault();
                """);

            await using var second = new SchemaSharingFactory(first.Schema, CatalogApiFactory.PreparedModel(ColourMode.Rgb));
            var other = second.CreateClient();
            Assert.Equal(HttpStatusCode.OK, (await other.GetAsync("/readyz")).StatusCode); // ready while it re-embeds and fails
            await second.WhenIdleAsync();
            var model = (await other.GetFromJsonAsync<ModelResponse>("/models/active"))!;
            // Each injected fault stopped one round, and the next resumed it; the error is cleared once a round went through.
            Assert.Equal((4, 4, 0, false, null, 2), (model.Reembedding.Total, model.Reembedding.Done, model.Reembedding.Failed, model.Reembedding.Running, model.Reembedding.LastError, model.Reembedding.Resumed));
            Assert.Equal(7L, await first.ScalarAsync("SELECT nextval('faults')")); // two refused inserts, four stored vectors, then this call
            var variants = await other.GetFromJsonAsync<VariantsResponse>("/variants/f0");
            Assert.Equal(("resnet18-imagenet-rgb-gem-parts-hog", 3), (variants!.Model, variants.Variants.Count));
        }
        finally
        {
            await ((IAsyncLifetime)first).DisposeAsync();
        }
    }

    /// <summary>
    /// Issue 9, bug 9: the index is built CONCURRENTLY (outside a transaction), and an invalid one,
    /// left by an interrupted concurrent build, is dropped and built again on the next start.
    /// </summary>
    [Fact]
    public async Task An_invalid_index_left_by_an_interrupted_build_is_rebuilt_as_hnsw()
    {
        var first = new CatalogApiFactory();
        await ((IAsyncLifetime)first).InitializeAsync();
        try
        {
            var client = first.CreateClient();
            for (var i = 0; i < 2; i++)
                Assert.Equal(HttpStatusCode.Created, (await client.PutAsync($"/products/x{i}", Uploads.Form(Uploads.Product(i, Uploads.Red), "Top"))).StatusCode);
            var index = (string)(await first.ScalarAsync("SELECT 'embeddings_hnsw_model_' || id FROM models WHERE active"))!;
            await first.WaitForIndexAsync();
            Assert.Equal(true, await first.ScalarAsync("SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass(@name)", ("name", index)));

            // A unique concurrent build over two rows of one model fails and leaves an invalid index of that name.
            await first.ScalarAsync($"DROP INDEX {index}");
            await Assert.ThrowsAsync<Npgsql.PostgresException>(() => first.ScalarAsync($"CREATE UNIQUE INDEX CONCURRENTLY {index} ON embeddings (model_id)"));
            Assert.Equal(false, await first.ScalarAsync("SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass(@name)", ("name", index)));

            await using var restarted = new SchemaSharingFactory(first.Schema, CatalogApiFactory.PreparedModel(ColourMode.Gray));
            Assert.Equal(HttpStatusCode.OK, (await restarted.CreateClient().GetAsync("/readyz")).StatusCode); // answering while the index is rebuilt
            await first.WaitForIndexAsync();
            Assert.Equal(true, await first.ScalarAsync("SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass(@name)", ("name", index)));
            Assert.Contains("USING hnsw", (string)(await first.ScalarAsync("SELECT pg_get_indexdef(to_regclass(@name))", ("name", index)))!);
        }
        finally
        {
            await ((IAsyncLifetime)first).DisposeAsync();
        }
    }

    private sealed class SchemaSharingFactory(string schema, string modelPath) : Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(Microsoft.AspNetCore.Hosting.IWebHostBuilder builder)
        {
            builder.UseSetting("ConnectionStrings:Catalog", new Npgsql.NpgsqlConnectionStringBuilder(CatalogApiFactory.BaseConnectionString) { SearchPath = $"{schema},public" }.ConnectionString);
            builder.UseSetting("Embedding:ModelPath", modelPath);
        }
    }
}
