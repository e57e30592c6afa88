using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using ColorVariants.Core.Catalog;
using Microsoft.AspNetCore.Http;

namespace ColorVariants.Api.Tests;

/// <summary>Two searches a minute per client, and a key for searches.</summary>
public sealed class SearchDoorsFactory : CatalogApiFactory
{
    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
        [new("Search:SearchesPerClientPerMinute", "2"), new("Search:ApiKey", "search-key"), new("Upload:ApiKey", "write-key")];
}

/// <summary>Issue 9, doors: /variants/search runs the model for anyone, so it is limited per client and can need a key.</summary>
public class SearchDoorsTests(SearchDoorsFactory factory) : IClassFixture<SearchDoorsFactory>
{
    /// <summary>A search with no image (a 400 from the endpoint) from <paramref name="client"/>: the limiter and the key check come first.</summary>
    private Task<HttpContext> SearchFrom(string client, string? key = "search-key") =>
        factory.Server.SendAsync(context =>
        {
            context.Request.Method = HttpMethods.Post;
            context.Request.Path = "/variants/search";
            context.Request.ContentType = "multipart/form-data; boundary=b";
            context.Request.Body = new MemoryStream("--b--\r\n"u8.ToArray());
            context.Connection.RemoteIpAddress = IPAddress.Parse(client);
            if (key is not null) context.Request.Headers["X-Api-Key"] = key;
        });

    [Fact]
    public async Task Searches_are_limited_per_client()
    {
        Assert.Equal(StatusCodes.Status400BadRequest, (await SearchFrom("192.0.2.1")).Response.StatusCode);
        Assert.Equal(StatusCodes.Status400BadRequest, (await SearchFrom("192.0.2.1")).Response.StatusCode);
        var third = await SearchFrom("192.0.2.1");
        Assert.Equal(StatusCodes.Status429TooManyRequests, third.Response.StatusCode);
        Assert.True(int.Parse(third.Response.Headers.RetryAfter.ToString(), System.Globalization.CultureInfo.InvariantCulture) >= 1);
        // Another client has its own allowance.
        Assert.Equal(StatusCodes.Status400BadRequest, (await SearchFrom("192.0.2.2")).Response.StatusCode);
    }

    [Fact]
    public async Task Searches_need_the_search_key_or_the_write_key_when_one_is_set()
    {
        Assert.Equal(StatusCodes.Status401Unauthorized, (await SearchFrom("198.51.100.1", key: null)).Response.StatusCode);
        Assert.Equal(StatusCodes.Status401Unauthorized, (await SearchFrom("198.51.100.2", key: "wrong")).Response.StatusCode);
        Assert.Equal(StatusCodes.Status400BadRequest, (await SearchFrom("198.51.100.3", key: "search-key")).Response.StatusCode);
        Assert.Equal(StatusCodes.Status400BadRequest, (await SearchFrom("198.51.100.4", key: "write-key")).Response.StatusCode);
        // The search key does not open writes; plain reads stay open.
        var client = factory.CreateClient();
        using var put = new HttpRequestMessage(HttpMethod.Put, "/products/sk-1") { Content = Uploads.Form(Uploads.Product(0, Uploads.Red)) };
        put.Headers.Add("X-Api-Key", "search-key");
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(put)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/variants/sk-1")).StatusCode);
    }

    [Fact]
    public async Task Openapi_names_the_key_on_search_when_it_is_set()
    {
        var document = await factory.CreateClient().GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var search = document.GetProperty("paths").GetProperty("/variants/search").GetProperty("post");
        Assert.Contains(search.GetProperty("security").EnumerateArray(), r => r.TryGetProperty("ApiKey", out _));
    }
}

/// <summary>Issue 9, doors: the OpenAPI document has the health routes, and its example is the dev set's 0534164036.</summary>
public class OpenApiDoorsTests(CatalogApiFactory factory) : IClassFixture<CatalogApiFactory>
{
    [Fact]
    public async Task Openapi_has_healthz_and_readyz_and_they_answer_as_before()
    {
        var client = factory.CreateClient();
        var paths = (await client.GetFromJsonAsync<JsonElement>("/openapi/v1.json")).GetProperty("paths");
        foreach (var path in new[] { "/healthz", "/readyz" })
            Assert.True(paths.GetProperty(path).TryGetProperty("get", out _), path);
        Assert.True(paths.GetProperty("/readyz").GetProperty("get").GetProperty("responses").TryGetProperty("503", out _));

        var health = await client.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("Healthy", await health.Content.ReadAsStringAsync());
        Assert.Equal("text/plain", health.Content.Headers.ContentType?.MediaType);
        Assert.True(health.Headers.CacheControl?.NoStore);
    }

    [SkippableFact]
    public async Task The_product_example_is_0534164036_as_the_dev_set_describes_it()
    {
        DevSet.SkipIfAbsent();
        var entry = CatalogFolder.Read(DevSet.Folder).Entries.Single(e => e.Sku == "0534164036");
        var image = await File.ReadAllBytesAsync(entry.ImagePath);

        var document = await factory.CreateClient().GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var example = document.GetProperty("paths").GetProperty("/products/{sku}").GetProperty("get").GetProperty("responses")
            .GetProperty("200").GetProperty("content").GetProperty("application/json").GetProperty("example");

        Assert.Equal(entry.Sku, example.GetProperty("sku").GetString());
        Assert.Equal(entry.Name, example.GetProperty("name").GetString());
        Assert.Equal(entry.Category, example.GetProperty("category").GetString());
        Assert.Equal(entry.Colour, example.GetProperty("colour").GetString());
        Assert.Equal(entry.Attributes.OrderBy(a => a.Key, StringComparer.Ordinal).ToArray(),
            example.GetProperty("attributes").EnumerateObject().Select(p => KeyValuePair.Create(p.Name, p.Value.GetString()!)).OrderBy(a => a.Key, StringComparer.Ordinal).ToArray());
        var stored = example.GetProperty("image");
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(image)), stored.GetProperty("sha256").GetString());
        Assert.Equal(image.Length, stored.GetProperty("bytes").GetInt32());
        using var decoded = SixLabors.ImageSharp.Image.Load(image);
        Assert.Equal((decoded.Width, decoded.Height), (stored.GetProperty("width").GetInt32(), stored.GetProperty("height").GetInt32()));
        Assert.Equal($"/products/{entry.Sku}/image?v={Convert.ToHexStringLower(SHA256.HashData(image))[..16]}", example.GetProperty("imageUrl").GetString());
    }
}
