using System.Net;
using System.Net.Http.Json;
using ColorVariants.Api.Products;
using Microsoft.AspNetCore.Mvc;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.PixelFormats;
using ColorVariants.Core.Tests;

namespace ColorVariants.Api.Tests;

/// <summary>A small image limit, so the 413 path is cheap to reach.</summary>
public sealed class SmallLimitsFactory : CatalogApiFactory
{
    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("Upload:MaxImageBytes", "200000"),
        new("Upload:MaxImagePixels", "4000000"),
    ];
}

public class ErrorTests(SmallLimitsFactory factory) : IClassFixture<SmallLimitsFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    private static async Task<ProblemDetails> Problem(HttpResponseMessage response, HttpStatusCode expected)
    {
        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<ProblemDetails>();
        Assert.Equal((int)expected, problem!.Status);
        return problem;
    }

    [Theory]
    [InlineData("/products/bad%20sku")]
    [InlineData("/products/a%2Fb")]
    [InlineData("/products/%C3%A9t%C3%A9")]
    public async Task Odd_skus_are_a_400_on_every_endpoint(string path)
    {
        var problem = await Problem(await _client.GetAsync(path), HttpStatusCode.BadRequest);
        Assert.Equal("Invalid sku", problem.Title);
        await Problem(await _client.PutAsync(path, Uploads.Form(Uploads.Product(0, Uploads.Red))), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task A_65_character_sku_is_a_400()
    {
        var problem = await Problem(await _client.GetAsync("/variants/" + new string('a', 65)), HttpStatusCode.BadRequest);
        Assert.Contains("65 characters", problem.Detail);
    }

    [Fact]
    public async Task Unknown_skus_are_a_404()
    {
        await Problem(await _client.GetAsync("/products/nothing-here"), HttpStatusCode.NotFound);
        await Problem(await _client.GetAsync("/variants/nothing-here"), HttpStatusCode.NotFound);
        await Problem(await _client.GetAsync("/gallery/nothing-here"), HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("limit=0")]
    [InlineData("limit=101")]
    [InlineData("limit=abc")]
    [InlineData("minScore=2")]
    [InlineData("minScore=x")]
    [InlineData("sameCategory=maybe")]
    public async Task Bad_parameters_are_a_400(string query)
    {
        await _client.PutAsync("/products/params-1", Uploads.Form(Uploads.Product(0, Uploads.Red)));
        var problem = await Problem(await _client.GetAsync($"/variants/params-1?{query}"), HttpStatusCode.BadRequest);
        // Every 400 says which parameter: limit=abc too, which the framework refuses before the endpoint runs.
        Assert.Contains(query.Split('=')[0], problem.Detail);
        // The gallery ranks with the same query and the same bounds (it clamped silently before).
        await Problem(await _client.GetAsync($"/gallery/params-1?{query}"), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task A_form_without_an_image_is_a_400()
    {
        using var form = new MultipartFormDataContent { { new StringContent("Dress"), "category" } };
        await Problem(await _client.PutAsync("/products/no-image", form), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Attributes_that_are_not_a_json_object_of_strings_are_a_400()
    {
        await Problem(await _client.PutAsync("/products/attrs", Uploads.Form(Uploads.Product(0, Uploads.Red), attributes: "[1,2]")), HttpStatusCode.BadRequest);
        await Problem(await _client.PutAsync("/products/attrs", Uploads.Form(Uploads.Product(0, Uploads.Red), attributes: "{not json")), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Bad_images_get_413_415_422_and_leave_the_stored_product_intact()
    {
        var original = Uploads.Product(2, Uploads.Green);
        Assert.Equal(HttpStatusCode.Created, (await _client.PutAsync("/products/keep-me", Uploads.Form(original, "Top", "Striped top", "Green"))).StatusCode);
        await GroupSeeding.SettledAsync(factory, _client); // its groupId is set in the background: read it once it is
        var before = await _client.GetStringAsync("/products/keep-me");

        // 413: over the 200 KB image limit (and a body far over it: the request is cut off, not read).
        var big = Uploads.NoisePng(300, 300);
        Assert.True(big.Length > 200_000);
        await Problem(await _client.PutAsync("/products/keep-me", Uploads.Form(big, "Top", contentType: "image/png")), HttpStatusCode.RequestEntityTooLarge);
        await Problem(await _client.PutAsync("/products/keep-me", Uploads.Form(new byte[3_000_000], "Top")), HttpStatusCode.RequestEntityTooLarge);

        // 415: text, and a real GIF, whatever the declared type says.
        var text = await Problem(await _client.PutAsync("/products/keep-me", Uploads.Form("just text"u8.ToArray(), "Top")), HttpStatusCode.UnsupportedMediaType);
        Assert.Contains("JPEG, PNG or WebP", text.Detail);
        using (var gif = new Image<Rgb24>(10, 10))
        using (var stream = new MemoryStream())
        {
            gif.Save(stream, new GifEncoder());
            await Problem(await _client.PutAsync("/products/keep-me", Uploads.Form(stream.ToArray(), "Top", contentType: "image/jpeg")), HttpStatusCode.UnsupportedMediaType);
        }

        // 422: a JPEG cut short, and a PNG claiming 3000x3000 pixels (over the 4 MP limit).
        var truncated = original[..120]; // cut inside the JPEG headers: a decoder cannot go on
        await Problem(await _client.PutAsync("/products/keep-me", Uploads.Form(truncated, "Top")), HttpStatusCode.UnprocessableEntity);
        byte[] tall;
        using (var plain = new Image<Rgb24>(3000, 3000, new Rgb24(240, 240, 240)))
        using (var stream = new MemoryStream())
        {
            plain.Save(stream, new SixLabors.ImageSharp.Formats.Png.PngEncoder());
            tall = stream.ToArray();
        }
        Assert.True(tall.Length < 200_000, $"{tall.Length} bytes");
        var pixels = await Problem(await _client.PutAsync("/products/keep-me", Uploads.Form(tall, "Top", contentType: "image/png")), HttpStatusCode.UnprocessableEntity);
        Assert.Contains("3000x3000", pixels.Detail);

        var after = await _client.GetStringAsync("/products/keep-me");
        Assert.Equal(before, after);
        Assert.Equal(original, await _client.GetByteArrayAsync("/products/keep-me/image"));
        Assert.Equal(1L, await factory.ScalarAsync("SELECT count(*) FROM embeddings WHERE sku = 'keep-me'"));
    }

    /// <summary>Issue 9, bugs 2 and 3: images that do not decode completely are a 422 on upload and search, and nothing is stored.</summary>
    [Theory]
    [MemberData(nameof(BrokenImages.Names), MemberType = typeof(BrokenImages))]
    public async Task Images_that_do_not_decode_completely_are_a_422_and_store_nothing(string name)
    {
        var bytes = BrokenImages.Make(name);
        var problem = await Problem(await _client.PutAsync($"/products/broken-{name}", Uploads.Form(bytes, "Top")), HttpStatusCode.UnprocessableEntity);
        Assert.Equal("Image does not decode", problem.Title);
        await Problem(await _client.PostAsync("/variants/search", Uploads.Form(bytes)), HttpStatusCode.UnprocessableEntity);
        await Problem(await _client.GetAsync($"/products/broken-{name}"), HttpStatusCode.NotFound);
    }

    /// <summary>Issue 9, bug 2: PostgreSQL refuses U+0000 in text and jsonb; that is the client's 400, not a 500.</summary>
    [Theory]
    // "\\0" stands for NUL in the data, so the test names stay printable.
    [InlineData("name", "a\\0b")]
    [InlineData("category", "Top\\0")]
    [InlineData("colour", "\\0")]
    [InlineData("attributes", "{\"a\":\"x\\u0000y\"}")]
    [InlineData("attributes", "{\"a\\u0000\":\"x\"}")]
    [InlineData("attributes", "{\"a\":\"\\ud800\"}")]
    public async Task Nul_characters_and_lone_surrogates_in_texts_are_a_400(string field, string escaped)
    {
        var value = escaped.Replace("\\0", "\0", StringComparison.Ordinal);
        using var form = Uploads.Form(Uploads.Product(1, Uploads.Blue));
        form.Add(new StringContent(value), field);
        var problem = await Problem(await _client.PutAsync("/products/nul-text", form), HttpStatusCode.BadRequest);
        Assert.Equal($"Invalid parameter '{field}'", problem.Title);
        await Problem(await _client.GetAsync("/products/nul-text"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_nul_character_in_the_search_category_is_a_400()
    {
        using var form = Uploads.Form(Uploads.Product(1, Uploads.Blue), category: "Top\0");
        await Problem(await _client.PostAsync("/variants/search", form), HttpStatusCode.BadRequest);
    }

    /// <summary>Issue 9, bug 4: .NET's $ matches before a final newline; the sku pattern must not.</summary>
    [Fact]
    public async Task A_sku_with_a_trailing_newline_is_a_400()
    {
        await Problem(await _client.PutAsync("/products/abc%0A", Uploads.Form(Uploads.Product(0, Uploads.Red))), HttpStatusCode.BadRequest);
        await Problem(await _client.GetAsync("/products/abc%0A"), HttpStatusCode.BadRequest);
        await Problem(await _client.GetAsync("/variants/abc%0A"), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Two_image_parts_are_a_400()
    {
        using var form = Uploads.Form(Uploads.Product(0, Uploads.Red));
        form.Add(new ByteArrayContent(Uploads.Product(1, Uploads.Blue)), "image", "second.jpg");
        await Problem(await _client.PutAsync("/products/two-images", form), HttpStatusCode.BadRequest);
        await Problem(await _client.GetAsync("/products/two-images"), HttpStatusCode.NotFound);
        using var search = Uploads.Form(Uploads.Product(0, Uploads.Red));
        search.Add(new ByteArrayContent(Uploads.Product(1, Uploads.Blue)), "image", "second.jpg");
        await Problem(await _client.PostAsync("/variants/search", search), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task A_text_field_sent_twice_is_a_400_and_stores_nothing()
    {
        // Binding joined the parts: a product was stored with the category "A,B".
        using var form = Uploads.Form(Uploads.Product(0, Uploads.Red), category: "A");
        form.Add(new StringContent("B"), "category");
        var problem = await Problem(await _client.PutAsync("/products/two-categories", form), HttpStatusCode.BadRequest);
        Assert.Contains("'category'", problem.Detail);
        await Problem(await _client.GetAsync("/products/two-categories"), HttpStatusCode.NotFound);
        using var search = Uploads.Form(Uploads.Product(0, Uploads.Red), category: "A");
        search.Add(new StringContent("B"), "category");
        await Problem(await _client.PostAsync("/variants/search", search), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task A_search_category_longer_than_an_upload_may_store_is_a_400()
    {
        using var search = Uploads.Form(Uploads.Product(0, Uploads.Red), category: new string('c', ProductForm.MaxTextLength + 1));
        var problem = await Problem(await _client.PostAsync("/variants/search", search), HttpStatusCode.BadRequest);
        Assert.Contains($"at most {ProductForm.MaxTextLength}", problem.Detail);
    }

    [Theory]
    [InlineData(1, 16_385)]
    [InlineData(20_000, 1)]
    public async Task A_picture_one_pixel_wide_or_high_is_stored_with_its_swatch(int width, int height)
    {
        // Fuzzing found these answering 500 (Swatch.Of divided by zero samples).
        using var image = new Image<Rgb24>(width, height, Uploads.Red);
        using var png = new MemoryStream();
        image.SaveAsPng(png);
        var sku = $"line-{width}x{height}";
        Assert.Equal(HttpStatusCode.Created, (await _client.PutAsync($"/products/{sku}", Uploads.Form(png.ToArray()))).StatusCode);
        var stored = await _client.GetFromJsonAsync<ProductResponse>($"/products/{sku}");
        Assert.Equal("#c81e1e", stored!.Swatch!.Hex);
    }

    [Fact]
    public async Task Attributes_are_capped_in_keys_key_length_and_value_length()
    {
        var image = Uploads.Product(3, Uploads.Black);
        string Json(int keys, int keyLength, int valueLength) => System.Text.Json.JsonSerializer.Serialize(
            Enumerable.Range(0, keys).ToDictionary(i => i.ToString("D2").PadRight(keyLength, 'k'), _ => new string('v', valueLength)));

        var atLimit = await _client.PutAsync("/products/attr-caps", Uploads.Form(image, attributes: Json(ProductForm.MaxAttributes, ProductForm.MaxAttributeKeyLength, ProductForm.MaxAttributeValueLength)));
        Assert.Equal(HttpStatusCode.Created, atLimit.StatusCode);
        var stored = await atLimit.Content.ReadFromJsonAsync<ProductResponse>();
        Assert.Equal(ProductForm.MaxAttributes, stored!.Attributes.Count);

        foreach (var over in new[]
                 {
                     Json(ProductForm.MaxAttributes + 1, 8, 8),
                     Json(1, ProductForm.MaxAttributeKeyLength + 1, 8),
                     Json(1, 8, ProductForm.MaxAttributeValueLength + 1),
                     "{\"a\":null}",
                 })
        {
            var problem = await Problem(await _client.PutAsync("/products/attr-caps", Uploads.Form(image, attributes: over)), HttpStatusCode.BadRequest);
            Assert.Equal("Invalid parameter 'attributes'", problem.Title);
        }
        Assert.Equal(ProductForm.MaxAttributes, (await _client.GetFromJsonAsync<ProductResponse>("/products/attr-caps"))!.Attributes.Count);
    }

    [Fact]
    public async Task Search_rejects_bad_images_too()
    {
        using var form = Uploads.Form("nope"u8.ToArray());
        await Problem(await _client.PostAsync("/variants/search", form), HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task Unknown_routes_answer_with_problem_details()
    {
        await Problem(await _client.GetAsync("/no/such/route"), HttpStatusCode.NotFound);
    }
}
