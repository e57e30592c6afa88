using System.Net;
using System.Net.Http.Json;
using ColorVariants.Api.Products;

namespace ColorVariants.Api.Tests;

public class ConcurrencyTests(CatalogApiFactory factory) : IClassFixture<CatalogApiFactory>
{
    [Fact]
    public async Task Concurrent_uploads_of_one_sku_leave_one_consistent_winner()
    {
        var client = factory.CreateClient();
        var colours = new[] { Uploads.Red, Uploads.Blue, Uploads.Green, Uploads.Black, new(200, 200, 30), new(120, 30, 160), new(30, 160, 160), new(90, 60, 30) };
        var images = colours.Select((c, i) => (Colour: $"colour-{i}", Image: Uploads.Product(i % 4, c))).ToArray();

        var responses = await Task.WhenAll(images.Select(u => client.PutAsync("/products/race", Uploads.Form(u.Image, "Top", "Race", u.Colour))));

        Assert.All(responses, r => Assert.True(r.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, $"{r.StatusCode}"));
        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created);
        Assert.Equal(1L, await factory.ScalarAsync("SELECT count(*) FROM products WHERE sku = 'race'"));
        Assert.Equal(1L, await factory.ScalarAsync("SELECT count(*) FROM embeddings WHERE sku = 'race'"));

        // The winner's fields, image and vector all come from the same upload.
        var product = await client.GetFromJsonAsync<ProductResponse>("/products/race");
        var winner = images.Single(u => u.Colour == product!.Colour);
        Assert.Equal(winner.Image, await client.GetByteArrayAsync("/products/race/image"));
        Assert.Equal(true, await factory.ScalarAsync(
            "SELECT e.image_sha256 = p.image_sha256 FROM embeddings e JOIN products p USING (sku) WHERE p.sku = 'race'"));
        // Only the winner's image is still stored.
        Assert.Equal(1L, await factory.ScalarAsync("SELECT count(*) FROM images i WHERE NOT EXISTS (SELECT 1 FROM products p WHERE p.image_sha256 = i.sha256) OR i.sha256 IN (SELECT image_sha256 FROM products WHERE sku = 'race')"));
    }
}
