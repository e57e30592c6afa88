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
        ModelResponse? model = null;
        for (var attempt = 0; attempt < 100; attempt++)
        {
            model = await other.GetFromJsonAsync<ModelResponse>("/models/active");
            if (!model!.Reembedding.Running) break;
            await Task.Delay(200);
        }
        Assert.Equal("resnet18-imagenet-rgb", model!.Name);
        Assert.Equal((6, 6, 0), (model.Reembedding.Total, model.Reembedding.Done, model.Reembedding.Failed));
        Assert.Equal(2L, await first.ScalarAsync("SELECT count(*) FROM models"));
        Assert.Equal(12L, await first.ScalarAsync("SELECT count(*) FROM embeddings"));
        var variants = await other.GetFromJsonAsync<VariantsResponse>("/variants/r0");
        Assert.Equal(("resnet18-imagenet-rgb", 5), (variants!.Model, variants.Variants.Count));
        Assert.Equal(HttpStatusCode.OK, (await other.GetAsync("/readyz")).StatusCode);
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
