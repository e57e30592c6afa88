using System.Net;
using ColorVariants.Api.Embedding;
using Microsoft.Extensions.DependencyInjection;

namespace ColorVariants.Api.Tests;

/// <summary>A budget of 1 M decoded pixels at once (Upload:DecodePixelBudget; MaxImagePixels must fit in it).</summary>
public sealed class SmallDecodeBudgetFactory : CatalogApiFactory
{
    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
        [new("Upload:DecodePixelBudget", "1000000"), new("Upload:MaxImagePixels", "1000000")];
}

/// <summary>Issue 9, bug 7: decode memory is bounded by a pixel budget shared by every upload and search.</summary>
public class DecodeBudgetTests(SmallDecodeBudgetFactory factory) : IClassFixture<SmallDecodeBudgetFactory>
{
    [Fact]
    public async Task Uploads_wait_for_the_decode_budget_and_go_on_when_it_is_free()
    {
        var client = factory.CreateClient();
        var budget = factory.Services.GetRequiredService<ImageEmbedder>().DecodeBudget;
        Assert.Equal(1_000_000, budget.Capacity);

        // Another decode holds 0.9 M of the 1 M pixels: an 800x600 upload (0.48 M) does not fit and waits.
        var held = await budget.AcquireAsync(900_000);
        var upload = client.PutAsync("/products/budget-1", Uploads.Form(Uploads.Product(0, Uploads.Red, 800, 600), "Top"));
        var search = client.PostAsync("/variants/search", Uploads.Form(Uploads.Product(1, Uploads.Blue, 800, 600)));
        while (budget.Waiting < 2)
        {
            Assert.False(upload.IsCompleted, "the upload finished while the budget was taken");
            await Task.Delay(20);
        }
        Assert.False(upload.IsCompleted);
        Assert.False(search.IsCompleted);

        held.Dispose();
        Assert.Equal(HttpStatusCode.Created, (await upload).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await search).StatusCode);
        Assert.Equal(0, budget.InUse);
    }

    [Fact]
    public async Task A_budget_smaller_than_the_largest_image_is_a_configuration_error()
    {
        var bad = new BadBudgetFactory();
        try
        {
            var error = await Assert.ThrowsAnyAsync<Exception>(() => bad.InitializeAsync());
            Assert.Contains("DecodePixelBudget", error.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            await ((IAsyncLifetime)bad).DisposeAsync();
        }
    }

    private sealed class BadBudgetFactory : CatalogApiFactory
    {
        protected override IEnumerable<KeyValuePair<string, string?>> Settings => [new("Upload:DecodePixelBudget", "1000")];
    }
}
