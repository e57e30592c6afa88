using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ColorVariants.Api.Products;
using Microsoft.Extensions.Logging;

namespace ColorVariants.Api.Tests;

/// <summary>Issue 9, "Doors": what a client can make the service do with its headers and methods.</summary>
public class DoorsTests(CatalogApiFactory factory) : IClassFixture<CatalogApiFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    private async Task<ProductResponse> PutAsync(string sku)
    {
        var response = await _client.PutAsync($"/products/{sku}", Uploads.Form(Uploads.Product(2, Uploads.Red), "Top"));
        Assert.True(response.IsSuccessStatusCode, $"PUT {sku}: {response.StatusCode}");
        return (await response.Content.ReadFromJsonAsync<ProductResponse>())!;
    }

    [Fact]
    public async Task Image_urls_are_relative_whatever_the_host_header_says()
    {
        await PutAsync("host-1");
        await PutAsync("host-2");
        foreach (var path in new[] { "/products/host-1", "/variants/host-1", "/gallery/host-1" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Host = "evil.example";
            var response = await _client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var body = await response.Content.ReadAsStringAsync();
            Assert.DoesNotContain("evil.example", body);
            Assert.Contains("/products/host-", body);
        }
        Assert.StartsWith("/products/host-1/image?v=", (await _client.GetFromJsonAsync<ProductResponse>("/products/host-1"))!.ImageUrl);
    }

    [Fact]
    public async Task Only_the_url_with_the_images_own_hash_is_cached_for_good()
    {
        var product = await PutAsync("cache-1");
        var own = await _client.GetAsync(product.ImageUrl);
        Assert.Equal(TimeSpan.FromDays(365), own.Headers.CacheControl!.MaxAge);
        Assert.Contains(own.Headers.CacheControl.Extensions, e => e.Name == "immutable");
        foreach (var other in new[] { "/products/cache-1/image?v=0123456789abcdef", "/products/cache-1/image?v=anything", "/products/cache-1/image" })
        {
            var response = await _client.GetAsync(other);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(TimeSpan.FromMinutes(5), response.Headers.CacheControl!.MaxAge);
            Assert.DoesNotContain(response.Headers.CacheControl.Extensions, e => e.Name == "immutable");
        }
    }

    [Fact]
    public async Task Head_is_answered_as_get_without_a_body()
    {
        var product = await PutAsync("head-1");
        var get = await _client.GetAsync("/products/head-1/image");
        var head = await _client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/products/head-1/image"));
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(get.Headers.ETag, head.Headers.ETag);
        Assert.Equal("image/jpeg", head.Content.Headers.ContentType!.MediaType);
        Assert.Equal(product.Image.Bytes, head.Content.Headers.ContentLength);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());

        foreach (var path in new[] { "/products/head-1", "/variants/head-1", "/gallery/head-1", "/models/active", "/healthz" })
        {
            var response = await _client.SendAsync(new HttpRequestMessage(HttpMethod.Head, path));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        }
        Assert.Equal(HttpStatusCode.NotFound, (await _client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/products/nobody"))).StatusCode);
        Assert.Equal("head-1", (await _client.GetFromJsonAsync<ProductResponse>("/products/head-1"))!.Sku); // GET itself unchanged
    }

    [Fact]
    public void Open_writes_are_warned_about_at_start()
    {
        Assert.Contains(factory.Logs, l => l.Level == LogLevel.Warning && l.Message.Contains("Upload:ApiKey is not set", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Openapi_has_the_api_key_scheme_on_writes_only()
    {
        var document = await _client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var scheme = document.GetProperty("components").GetProperty("securitySchemes").GetProperty("ApiKey");
        Assert.Equal(("apiKey", "header", "X-Api-Key"), (scheme.GetProperty("type").GetString(), scheme.GetProperty("in").GetString(), scheme.GetProperty("name").GetString()));
        var product = document.GetProperty("paths").GetProperty("/products/{sku}");
        foreach (var write in new[] { "put", "delete" })
            Assert.Contains(product.GetProperty(write).GetProperty("security").EnumerateArray(), r => r.TryGetProperty("ApiKey", out _));
        Assert.False(product.GetProperty("get").TryGetProperty("security", out _));
    }
}

/// <summary>AllowedHosts set: a request for another host is refused.</summary>
public sealed class AllowedHostsFactory : CatalogApiFactory
{
    protected override IEnumerable<KeyValuePair<string, string?>> Settings => [new("AllowedHosts", "shop.example")];
}

public class AllowedHostsTests(AllowedHostsFactory factory) : IClassFixture<AllowedHostsFactory>
{
    [Fact]
    public async Task Only_the_configured_hosts_are_answered()
    {
        var client = factory.CreateClient();
        using var allowed = new HttpRequestMessage(HttpMethod.Get, "/healthz") { Headers = { Host = "shop.example" } };
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(allowed)).StatusCode);
        using var other = new HttpRequestMessage(HttpMethod.Get, "/healthz") { Headers = { Host = "evil.example" } };
        Assert.Equal(HttpStatusCode.BadRequest, (await client.SendAsync(other)).StatusCode);
    }
}
