using System.Net;
using System.Net.Http.Json;
using ColorVariants.Api.Groups;
using ColorVariants.Api.Products;
using ColorVariants.Api.Reviews;
using ColorVariants.Api.Swatches;
using ColorVariants.Api.Variants;
using ColorVariants.Core.Images;
using Microsoft.Extensions.DependencyInjection;
using SixLabors.ImageSharp.PixelFormats;

namespace ColorVariants.Api.Tests;

/// <summary>Lossless pictures of one design, so every swatch is known exactly: two reds a just noticeable step apart (a duplicate listing) and a blue (a colour variant).</summary>
public static class SwatchSeeding
{
    public static readonly Rgb24 OtherRed = new(204, 34, 28);
    public static readonly Swatch Red = new("#c81e1e", "red");
    public static readonly Swatch RedAgain = new("#cc221c", "red");
    public static readonly Swatch Blue = new("#1e3cc8", "blue");

    public static async Task SeedAsync(CatalogApiFactory factory, HttpClient client)
    {
        if (await factory.ScalarAsync("SELECT count(*) FROM products") is > 0L) return;
        foreach (var (sku, colour) in new[] { ("tee-red", Uploads.Red), ("tee-red-again", OtherRed), ("tee-blue", Uploads.Blue) })
            Assert.Equal(HttpStatusCode.Created, (await client.PutAsync($"/products/{sku}", Uploads.Form(Uploads.Product(1, colour, png: true), "Tee",
                fileName: "image.png", contentType: "image/png"))).StatusCode);
    }
}

/// <summary>One group per category (threshold -1): the three tees are one group, and the two reds in it are the same colour.</summary>
public class SwatchTests(OneGroupPerCategoryFactory factory) : IClassFixture<OneGroupPerCategoryFactory>, IAsyncLifetime
{
    private readonly HttpClient _client = factory.CreateClient();

    public Task InitializeAsync() => SwatchSeeding.SeedAsync(factory, _client);
    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task An_upload_answers_and_stores_its_swatch()
    {
        var response = await _client.PutAsync("/products/shirt-navy", Uploads.Form(Uploads.Product(0, new Rgb24(28, 36, 78), png: true), "Shirt",
            fileName: "image.png", contentType: "image/png"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(new Swatch("#1c244e", "navy"), (await response.Content.ReadFromJsonAsync<ProductResponse>())!.Swatch);
        Assert.Equal(new Swatch("#1c244e", "navy"), (await _client.GetFromJsonAsync<ProductResponse>("/products/shirt-navy"))!.Swatch);
        Assert.Equal("#1c244e", await factory.ScalarAsync("SELECT swatch_hex FROM products WHERE sku = 'shirt-navy'"));
    }

    [Fact]
    public async Task Same_coloured_members_of_a_group_are_flagged_and_a_different_colour_is_not()
    {
        await GroupSeeding.SettledAsync(factory, _client);
        var answer = (await _client.GetFromJsonAsync<VariantsResponse>("/variants/tee-red"))!;
        Assert.Equal(SwatchSeeding.Red, answer.Swatch);
        var items = answer.Variants.ToDictionary(v => v.Sku);
        Assert.Equal((SwatchSeeding.RedAgain, true), (items["tee-red-again"].Swatch, items["tee-red-again"].SameColour));
        Assert.Equal((SwatchSeeding.Blue, false), (items["tee-blue"].Swatch, items["tee-blue"].SameColour));

        // The gallery marks the one same-colour pair; the review page shows it apart from the group's variants.
        var gallery = await _client.GetStringAsync("/gallery/tee-red");
        Assert.Equal(1, Occurrences(gallery, "same colour &mdash; duplicate?"));
        Assert.Contains("data-hex=\"#cc221c\"", gallery);
        var review = await _client.GetStringAsync("/review/tee-red"); // no API key in the tests: the page is open
        var apart = review.IndexOf("<h3 id=\"same-colour\">", StringComparison.Ordinal);
        Assert.True(apart > 0 && review.IndexOf("data-sku=\"tee-blue\"", StringComparison.Ordinal) < apart
            && review.IndexOf("data-sku=\"tee-red-again\"", StringComparison.Ordinal) > apart, "the same-colour member is listed apart, after the group's variants");
        Assert.Equal(1, Occurrences(review, "same colour &mdash; duplicate?"));
        var group = (await _client.GetFromJsonAsync<GroupResponse>($"/groups/{(await _client.GetFromJsonAsync<ProductResponse>("/products/tee-red"))!.GroupId}"))!;
        Assert.Equal([SwatchSeeding.Blue, SwatchSeeding.Red, SwatchSeeding.RedAgain], group.Members.Select(m => m.Swatch));
    }

    [Fact]
    public async Task A_search_by_image_has_swatches_but_no_group_so_no_same_colour()
    {
        var response = await _client.PostAsync("/variants/search", Uploads.Form(Uploads.Product(1, Uploads.Red, png: true), "Tee",
            fileName: "image.png", contentType: "image/png"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var items = (await response.Content.ReadFromJsonAsync<SearchResponse>())!.Variants;
        Assert.Equal(SwatchSeeding.Red, items.Single(v => v.Sku == "tee-red").Swatch);
        Assert.All(items, v => Assert.False(v.SameColour));
    }

    [Fact]
    public async Task The_backfill_fills_a_product_stored_without_a_swatch()
    {
        Assert.Equal(HttpStatusCode.Created, (await _client.PutAsync("/products/old-tee", Uploads.Form(Uploads.Product(2, Uploads.Green, png: true), "Old",
            fileName: "image.png", contentType: "image/png"))).StatusCode);
        await factory.ScalarAsync("UPDATE products SET swatch_hex = NULL, swatch_name = NULL WHERE sku = 'old-tee'"); // as migration 0006 leaves older rows
        Assert.Null((await _client.GetFromJsonAsync<ProductResponse>("/products/old-tee"))!.Swatch);

        Assert.Equal(1, await factory.Services.GetRequiredService<SwatchBackfill>().RunAsync(CancellationToken.None));
        Assert.Equal(new Swatch("#28a03c", "green"), (await _client.GetFromJsonAsync<ProductResponse>("/products/old-tee"))!.Swatch);
        Assert.Contains(factory.Logs, l => l.Message == "Swatch backfill: 1 of 1 products done.");
        Assert.Equal(0, await factory.Services.GetRequiredService<SwatchBackfill>().RunAsync(CancellationToken.None));
    }

    private static int Occurrences(string text, string part) => (text.Length - text.Replace(part, "", StringComparison.Ordinal).Length) / part.Length;
}

/// <summary>Every product its own group (threshold 1): the same colour alone is not flagged, a confirmed pair is.</summary>
public class SwatchOutsideGroupTests(SingletonGroupsFactory factory) : IClassFixture<SingletonGroupsFactory>, IAsyncLifetime
{
    private readonly HttpClient _client = factory.CreateClient();

    public Task InitializeAsync() => SwatchSeeding.SeedAsync(factory, _client);
    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Same_colour_needs_the_group_or_a_confirmation()
    {
        await GroupSeeding.SettledAsync(factory, _client);
        var before = (await _client.GetFromJsonAsync<VariantsResponse>("/variants/tee-red"))!.Variants.Single(v => v.Sku == "tee-red-again");
        Assert.Equal((SwatchSeeding.RedAgain, false), (before.Swatch, before.SameColour));

        Assert.Equal(HttpStatusCode.OK, (await _client.PostAsJsonAsync("/reviews", new ReviewRequest("tee-red", "tee-red-again", "confirmed", "test team"))).StatusCode);
        var after = (await _client.GetFromJsonAsync<VariantsResponse>("/variants/tee-red"))!.Variants.Single(v => v.Sku == "tee-red-again");
        Assert.Equal(("confirmed", true), (after.Reviewed, after.SameColour));
    }
}
