using System.Net;
using System.Net.Http.Json;
using ColorVariants.Api.Variants;
using Npgsql;

namespace ColorVariants.Api.Tests;

public class VariantEndpointTests(CatalogApiFactory factory) : IClassFixture<CatalogApiFactory>, IAsyncLifetime
{
    private readonly HttpClient _client = factory.CreateClient();

    /// <summary>Four designs in four colours: 16 products in two categories.</summary>
    public async Task InitializeAsync()
    {
        if (await factory.ScalarAsync("SELECT count(*) FROM products") is > 0L) return;
        var colours = new[] { Uploads.Red, Uploads.Blue, Uploads.Green, Uploads.Black };
        var uploads = new List<Task<HttpResponseMessage>>();
        for (var design = 0; design < 4; design++)
            for (var c = 0; c < colours.Length; c++)
                uploads.Add(_client.PutAsync($"/products/d{design}-c{c}", Uploads.Form(Uploads.Product(design, colours[c]), design < 2 ? "Dress" : "Top", $"Design {design}", $"Colour {c}")));
        foreach (var response in await Task.WhenAll(uploads))
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Variants_are_best_first_without_the_product_itself_and_inside_its_category()
    {
        var answer = await _client.GetFromJsonAsync<VariantsResponse>("/variants/d0-c0");
        Assert.Equal(("d0-c0", "Dress"), (answer!.Sku, answer.Category));
        Assert.Equal(7, answer.Variants.Count); // 8 dresses, less the product itself, under the default limit of 10
        Assert.DoesNotContain(answer.Variants, v => v.Sku == "d0-c0");
        Assert.All(answer.Variants, v => Assert.Equal("Dress", v.Category));
        Assert.Equal(answer.Variants.OrderByDescending(v => v.Score).Select(v => v.Sku), answer.Variants.Select(v => v.Sku));
        Assert.All(answer.Variants, v => Assert.StartsWith("/products/", v.ImageUrl)); // relative: never built from the Host header
    }

    [Fact]
    public async Task Same_category_off_searches_every_category_and_limit_caps_the_answer()
    {
        var all = await _client.GetFromJsonAsync<VariantsResponse>("/variants/d0-c0?sameCategory=false&limit=100");
        Assert.Equal(15, all!.Variants.Count);
        Assert.Contains(all.Variants, v => v.Category == "Top");
        var three = await _client.GetFromJsonAsync<VariantsResponse>("/variants/d0-c0?sameCategory=false&limit=3");
        Assert.Equal(all.Variants.Take(3).Select(v => v.Sku), three!.Variants.Select(v => v.Sku));
    }

    [Fact]
    public async Task Min_score_drops_weaker_variants()
    {
        var all = await _client.GetFromJsonAsync<VariantsResponse>("/variants/d1-c2?sameCategory=false&limit=100");
        var threshold = all!.Variants[4].Score;
        var strong = await _client.GetFromJsonAsync<VariantsResponse>($"/variants/d1-c2?sameCategory=false&limit=100&minScore={Invariant(threshold)}");
        // Exact figures: the very items (and scores) shown, down to the threshold, in the same order.
        Assert.Equal(all.Variants.Where(v => v.Score >= threshold), strong!.Variants);
        Assert.True(strong.Variants.Count >= 5);
    }

    /// <summary>Issue 9, bug 1: a score the answer showed, passed back as minScore, keeps that very item.</summary>
    [Fact]
    public async Task Min_score_of_a_shown_score_keeps_that_item_and_all_before_it()
    {
        var all = (await _client.GetFromJsonAsync<VariantsResponse>("/variants/d1-c2?sameCategory=false&limit=100"))!.Variants;
        Assert.Equal(15, all.Count);
        for (var k = 0; k < all.Count; k++)
        {
            // Items 0..k exactly, unless item k+1 shows the same figure (then it passes the threshold too).
            var expected = all.Take(k + 1).Concat(all.Skip(k + 1).TakeWhile(v => v.Score == all[k].Score));
            var kept = await _client.GetFromJsonAsync<VariantsResponse>($"/variants/d1-c2?sameCategory=false&limit=100&minScore={Invariant(all[k].Score)}");
            Assert.Equal(expected, kept!.Variants);
        }
    }

    private static string Invariant(double value) => value.ToString("R", System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task Search_by_image_finds_the_product_with_that_image_first()
    {
        using var form = Uploads.Form(Uploads.Product(2, Uploads.Blue));
        form.Add(new StringContent("5"), "limit");
        var response = await _client.PostAsync("/variants/search", form);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = await response.Content.ReadFromJsonAsync<SearchResponse>();
        Assert.Equal(5, answer!.Variants.Count);
        Assert.Equal("d2-c1", answer.Variants[0].Sku);
        Assert.True(answer.Variants[0].Score > 0.999, $"score {answer.Variants[0].Score}");
    }

    [Fact]
    public async Task Search_keeps_to_a_category_when_given_one()
    {
        using var form = Uploads.Form(Uploads.Product(2, Uploads.Blue), category: "Dress");
        var answer = await (await _client.PostAsync("/variants/search", form)).Content.ReadFromJsonAsync<SearchResponse>();
        Assert.Equal("Dress", answer!.Category);
        Assert.All(answer.Variants, v => Assert.Equal("Dress", v.Category));
    }

    [Fact]
    public async Task The_gallery_shows_the_product_and_its_variants_as_pictures()
    {
        var response = await _client.GetAsync("/gallery/d3-c0");
        Assert.Equal("text/html", response.Content.Headers.ContentType!.MediaType);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("/products/d3-c0/image", html);
        Assert.Equal(8, html.Split("<img").Length - 1); // the query and its 7 same-category variants
    }

    [Fact]
    public async Task The_gallery_shows_what_variants_answers_under_the_same_default_limit()
    {
        var variants = await _client.GetFromJsonAsync<VariantsResponse>("/variants/d3-c0?sameCategory=false");
        Assert.Equal(10, variants!.Variants.Count); // Search:DefaultLimit, of 15 candidates
        var html = await _client.GetStringAsync("/gallery/d3-c0?sameCategory=false");
        var shown = html.Split("<figcaption>").Skip(2).Select(caption => caption[..caption.IndexOf(' ')]).ToList(); // after the query's own
        Assert.Equal(variants.Variants.Select(v => v.Sku), shown);
    }
}

/// <summary>
/// A category holding 1 % of a 5,000-product catalog, written straight into the tables with
/// random vectors: a category-filtered query must still fill `limit` (the HNSW index alone would
/// find few of them among its candidates), and find the exact nearest ones (a small category is
/// scanned exactly).
/// </summary>
public class RareCategoryTests(CatalogApiFactory factory) : IClassFixture<CatalogApiFactory>
{
    private int _dimensions;

    [Fact]
    public async Task A_one_percent_category_still_fills_the_limit()
    {
        var client = factory.CreateClient();
        Assert.Equal(HttpStatusCode.Created, (await client.PutAsync("/products/seed", Uploads.Form(Uploads.Product(0, Uploads.Red), "Common"))).StatusCode);
        _dimensions = (int)(await factory.ScalarAsync("SELECT dimensions FROM models WHERE active"))!;
        await factory.WaitForIndexAsync(); // the ANALYZE below, in one transaction with the inserts, would deadlock with a build under way
        await using (var connection = new NpgsqlConnection(factory.ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"""
                INSERT INTO products (sku, category, image_sha256)
                SELECT 'syn-' || i, CASE WHEN i % 100 = 0 THEN 'Rare' ELSE 'Common' END, (SELECT image_sha256 FROM products WHERE sku = 'seed')
                FROM generate_series(1, 5000) AS i;
                INSERT INTO embeddings (model_id, sku, image_sha256, category, embedding, raw)
                SELECT id, sku, image_sha256, category, v, v FROM (
                    SELECT m.id, p.sku, p.image_sha256, p.category,
                           (SELECT array_agg(random() - 0.5) FROM generate_series(1, {_dimensions}) WHERE p.sku IS NOT NULL)::halfvec({_dimensions}) AS v
                    FROM products p, models m WHERE m.active AND p.sku LIKE 'syn-%' OFFSET 0) r;
                ANALYZE embeddings;
                """, connection) { CommandTimeout = 600 };
            await command.ExecuteNonQueryAsync();
        }

        var ten = await client.GetFromJsonAsync<VariantsResponse>("/variants/syn-100");
        Assert.Equal(10, ten!.Variants.Count);
        Assert.All(ten.Variants, v => Assert.Equal("Rare", v.Category));
        Assert.Equal(await ExactNearestAsync("syn-100", "Rare", 10), ten.Variants.Select(v => v.Sku));

        var all = await client.GetFromJsonAsync<VariantsResponse>("/variants/syn-100?limit=100");
        Assert.Equal(49, all!.Variants.Count); // every other product of the category

        var common = await client.GetFromJsonAsync<VariantsResponse>("/variants/syn-1?limit=100");
        Assert.Equal(100, common!.Variants.Count);
        Assert.All(common.Variants, v => Assert.Equal("Common", v.Category));
    }

    /// <summary>Exact search by brute force in SQL (no index can serve an ORDER BY on a computed column of a fenced subquery).</summary>
    private async Task<List<string>> ExactNearestAsync(string sku, string category, int limit)
    {
        await using var connection = new NpgsqlConnection(factory.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"""
            SELECT sku FROM (
                SELECT e.sku, e.embedding::halfvec({_dimensions}) <=> q.embedding::halfvec({_dimensions}) AS distance
                FROM embeddings e JOIN models m ON m.id = e.model_id AND m.active
                JOIN embeddings q ON q.model_id = e.model_id AND q.sku = @sku
                WHERE e.category = @category AND e.sku <> @sku
                OFFSET 0) d
            ORDER BY distance, sku LIMIT @limit
            """, connection);
        command.Parameters.AddWithValue("sku", sku);
        command.Parameters.AddWithValue("category", category);
        command.Parameters.AddWithValue("limit", limit);
        var skus = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) skus.Add(reader.GetString(0));
        return skus;
    }
}
