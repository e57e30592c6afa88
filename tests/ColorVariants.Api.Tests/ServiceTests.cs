using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ColorVariants.Api.Models;
using ColorVariants.Core.Images;
using ColorVariants.Inference.Embedding;
using ColorVariants.Inference.Models;

namespace ColorVariants.Api.Tests;

public class ServiceTests(CatalogApiFactory factory) : IClassFixture<CatalogApiFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task Health_and_readiness_answer()
    {
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync("/healthz")).StatusCode);
        var ready = await _client.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("Healthy", await ready.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_active_model_tells_what_it_is()
    {
        var model = await _client.GetFromJsonAsync<ModelResponse>("/models/active");
        // Device=Auto: the CUDA provider on a host with a GPU and the CUDA runtime, the CPU one elsewhere.
        var provider = EmbeddingModel.ChooseCuda(EmbeddingDevice.Auto).UseCuda ? "CUDA" : "CPU";
        Assert.Equal((DefaultModel.Name, DescriptorOptions.Default.Dimensions, provider, DefaultModel.DefaultInputSize, "gray"), (model!.Name, model.Dimensions, model.ExecutionProvider, model.InputSize, model.ColourMode));
        Assert.Equal("bgr", model.Metadata[PreprocessingSpec.ChannelOrderKey]);
    }

    [Fact]
    public async Task Openapi_documents_every_endpoint_and_swagger_ui_is_served()
    {
        var document = await _client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var paths = document.GetProperty("paths");
        foreach (var path in new[] { "/products/{sku}", "/products/{sku}/image", "/variants/{sku}", "/variants/search", "/models/active", "/gallery/{sku}" })
            Assert.True(paths.TryGetProperty(path, out _), $"{path} is not documented");
        var put = paths.GetProperty("/products/{sku}").GetProperty("put");
        foreach (var status in new[] { "200", "201", "400", "401", "413", "415", "422" })
            Assert.True(put.GetProperty("responses").TryGetProperty(status, out _), $"PUT /products/{{sku}} does not document {status}");
        var variants = paths.GetProperty("/variants/{sku}").GetProperty("get");
        Assert.True(variants.GetProperty("responses").GetProperty("200").GetProperty("content").GetProperty("application/json").TryGetProperty("example", out _),
            "GET /variants/{sku} has no example answer");
        var limit = variants.GetProperty("parameters").EnumerateArray().Single(p => p.GetProperty("name").GetString() == "limit");
        Assert.Contains("1-100", limit.GetProperty("description").GetString());
        // Scores are numbers, not number-or-string; the servers are not whatever Host the request sent.
        var score = document.GetProperty("components").GetProperty("schemas").GetProperty("VariantResponse").GetProperty("properties").GetProperty("score");
        Assert.Equal("number", score.GetProperty("type").GetString());
        using var spoofed = new HttpRequestMessage(HttpMethod.Get, "/openapi/v1.json") { Headers = { Host = "evil.example:9999" } };
        var echoed = await (await _client.SendAsync(spoofed)).Content.ReadAsStringAsync();
        Assert.DoesNotContain("evil.example", echoed);
        var ui = await _client.GetAsync("/swagger/index.html");
        Assert.Equal(HttpStatusCode.OK, ui.StatusCode);
        Assert.Contains("swagger", await ui.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
    }
}

public sealed class ApiKeyFactory : CatalogApiFactory
{
    protected override IEnumerable<KeyValuePair<string, string?>> Settings => [new("Upload:ApiKey", "s3cret")];
}

public class ApiKeyTests(ApiKeyFactory factory) : IClassFixture<ApiKeyFactory>
{
    [Fact]
    public async Task Writes_need_the_key_and_reads_do_not()
    {
        var client = factory.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.PutAsync("/products/k1", Uploads.Form(Uploads.Product(0, Uploads.Red)))).StatusCode);
        using var keyed = new HttpRequestMessage(HttpMethod.Put, "/products/k1") { Content = Uploads.Form(Uploads.Product(0, Uploads.Red)) };
        keyed.Headers.Add("X-Api-Key", "s3cret");
        Assert.Equal(HttpStatusCode.Created, (await client.SendAsync(keyed)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/products/k1")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.DeleteAsync("/products/k1")).StatusCode);
    }

    /// <summary>
    /// Issue 9: the key is checked before the body is read. A body that is not even multipart
    /// would fail binding (a 400) if it were read first; it is a 401.
    /// </summary>
    [Fact]
    public async Task A_write_without_the_key_is_refused_before_its_body_is_read()
    {
        var client = factory.CreateClient();
        var garbage = new ByteArrayContent("--not-a-boundary\r\nnonsense"u8.ToArray());
        garbage.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse("multipart/form-data; boundary=xyz");
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.PutAsync("/products/k2", garbage)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/products/k2")).StatusCode);
    }

    [Fact]
    public void A_configured_key_is_not_warned_about()
    {
        _ = factory.Server;
        Assert.DoesNotContain(factory.Logs, l => l.Message.Contains("Upload:ApiKey is not set", StringComparison.Ordinal));
    }
}
