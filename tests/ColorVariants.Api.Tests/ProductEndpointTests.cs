using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using ColorVariants.Api.Products;

namespace ColorVariants.Api.Tests;

public class ProductEndpointTests(CatalogApiFactory factory) : IClassFixture<CatalogApiFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task Upload_read_back_replace_and_delete()
    {
        var image = Uploads.Product(0, Uploads.Red);
        var put = await _client.PutAsync("/products/P-100", Uploads.Form(image, "Dress", "Square dress", "Red", """{"fit":"loose"}"""));
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        Assert.Equal("created", put.Headers.GetValues(ProductEndpoints.OutcomeHeader).Single());
        var created = await put.Content.ReadFromJsonAsync<ProductResponse>();
        Assert.Equal(("P-100", "Dress", "Square dress", "Red"), (created!.Sku, created.Category, created.Name, created.Colour));
        Assert.Equal("loose", created.Attributes["fit"]);
        Assert.Equal("image/jpeg", created.Image.MediaType);
        Assert.Equal((120, 160, image.Length), (created.Image.Width, created.Image.Height, (int)created.Image.Bytes));

        var read = await _client.GetFromJsonAsync<ProductResponse>("/products/P-100");
        Assert.Equal(created.Image.Sha256, read!.Image.Sha256);

        var bytes = await _client.GetAsync(created.ImageUrl);
        Assert.Equal(HttpStatusCode.OK, bytes.StatusCode);
        Assert.Equal("image/jpeg", bytes.Content.Headers.ContentType!.MediaType);
        Assert.Equal(image, await bytes.Content.ReadAsByteArrayAsync());
        Assert.Equal($"\"{created.Image.Sha256}\"", bytes.Headers.ETag!.Tag);

        using var conditional = new HttpRequestMessage(HttpMethod.Get, "/products/P-100/image");
        conditional.Headers.IfNoneMatch.Add(new EntityTagHeaderValue($"\"{created.Image.Sha256}\""));
        Assert.Equal(HttpStatusCode.NotModified, (await _client.SendAsync(conditional)).StatusCode);

        var again = await _client.PutAsync("/products/P-100", Uploads.Form(image, "Dress", "Square dress", "Red", """{"fit":"loose"}"""));
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal("unchanged", again.Headers.GetValues(ProductEndpoints.OutcomeHeader).Single());

        var blue = Uploads.Product(0, Uploads.Blue);
        var replace = await _client.PutAsync("/products/P-100", Uploads.Form(blue, "Dress", "Square dress", "Blue"));
        Assert.Equal(HttpStatusCode.OK, replace.StatusCode);
        Assert.Equal("replaced", replace.Headers.GetValues(ProductEndpoints.OutcomeHeader).Single());
        var replaced = await replace.Content.ReadFromJsonAsync<ProductResponse>();
        Assert.NotEqual(created.Image.Sha256, replaced!.Image.Sha256);
        Assert.Empty(replaced.Attributes);
        Assert.Equal(blue, await _client.GetByteArrayAsync("/products/P-100/image"));
        // The red image is no longer used by any product, so it is gone.
        Assert.Equal(0L, await factory.ScalarAsync("SELECT count(*) FROM images WHERE sha256 = decode(@sha, 'hex')", ("sha", created.Image.Sha256)));

        Assert.Equal(HttpStatusCode.NoContent, (await _client.DeleteAsync("/products/P-100")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync("/products/P-100")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync("/products/P-100/image")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.DeleteAsync("/products/P-100")).StatusCode);
        Assert.Equal(0L, await factory.ScalarAsync("SELECT count(*) FROM embeddings WHERE sku = 'P-100'"));
    }

    [Fact]
    public async Task Two_products_share_one_stored_image_and_deleting_one_keeps_it_for_the_other()
    {
        var image = Uploads.Product(3, Uploads.Green);
        Assert.Equal(HttpStatusCode.Created, (await _client.PutAsync("/products/share-1", Uploads.Form(image))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await _client.PutAsync("/products/share-2", Uploads.Form(image))).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await _client.DeleteAsync("/products/share-1")).StatusCode);
        Assert.Equal(image, await _client.GetByteArrayAsync("/products/share-2/image"));
    }

    [Fact]
    public async Task Leading_zeros_and_dots_in_skus_are_kept()
    {
        var put = await _client.PutAsync("/products/000123.a_b-c", Uploads.Form(Uploads.Product(1, Uploads.Black)));
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        var product = await _client.GetFromJsonAsync<ProductResponse>("/products/000123.a_b-c");
        Assert.Equal("000123.a_b-c", product!.Sku);
    }
}
