using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using ColorVariants.Api.Models;
using ColorVariants.Api.Variants;
using SixLabors.ImageSharp.PixelFormats;

namespace ColorVariants.Api.Tests;

/// <summary>A catalog whose products carry the `style` label, with a small calibration minimum and a known default.</summary>
public sealed class LabelledCatalogFactory : CatalogApiFactory
{
    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("Variants:MinimumLabelledProducts", "20"),
        new("Variants:DefaultThreshold", "0.25"),
    ];
}

/// <summary>Issue 8, part 1: a decision on every answer, calibrated on the catalog's labels and stored with the model.</summary>
public class VariantThresholdTests(LabelledCatalogFactory factory) : IClassFixture<LabelledCatalogFactory>, IAsyncLifetime
{
    private static readonly Rgb24[] Colours =
    [
        Uploads.Red, Uploads.Blue, Uploads.Green, Uploads.Black,
        new(250, 220, 60), new(120, 60, 20), new(230, 130, 180), new(90, 90, 90),
    ];

    private readonly HttpClient _client = factory.CreateClient();

    /// <summary>Four designs in eight colours, one category, each labelled with its design: 4 x C(8, 2) = 112 variant pairs.</summary>
    public async Task InitializeAsync()
    {
        if (await factory.ScalarAsync("SELECT count(*) FROM products") is > 0L) return;
        var uploads = new List<Task<HttpResponseMessage>>();
        for (var design = 0; design < 4; design++)
            for (var c = 0; c < Colours.Length; c++)
                uploads.Add(_client.PutAsync($"/products/d{design}-c{c}",
                    Uploads.Form(Uploads.Product(design, Colours[c]), "Top", attributes: $$"""{"style": "design-{{design}}"}""")));
        foreach (var response in await Task.WhenAll(uploads))
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task A_calibration_stores_the_threshold_with_the_model_and_every_answer_applies_it()
    {
        var before = await _client.GetFromJsonAsync<ModelResponse>("/models/active");
        Assert.Equal(("default", 0.25), (before!.VariantThreshold.Source, before.VariantThreshold.Score));

        var response = await _client.PostAsync("/models/active/variant-threshold?targetPrecision=0.5", null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var calibration = (await response.Content.ReadFromJsonAsync<ThresholdRecalibration>())!;
        Assert.Equal(CalibrationOutcome.Calibrated, calibration.Outcome);
        var threshold = calibration.Threshold;
        Assert.Equal(("calibrated", false), (threshold.Source, threshold.Stale));
        Assert.Equal((32, 112L, "style", 0.5), (threshold.Calibration!.LabelledProducts, threshold.Calibration.Positives,
            threshold.Calibration.LabelAttribute, threshold.Calibration.TargetPrecision));
        Assert.True(threshold.Calibration.Precision >= 0.5);
        Assert.True(threshold.Calibration.Predicted >= 20);

        // Stored with the model, and what GET /models/active and every answer now use.
        Assert.Equal(threshold.Score, await factory.ScalarAsync("SELECT variant_threshold FROM models WHERE active"));
        Assert.Equal(threshold.Score, (await _client.GetFromJsonAsync<ModelResponse>("/models/active"))!.VariantThreshold.Score);
        var all = (await _client.GetFromJsonAsync<VariantsResponse>("/variants/d2-c0?limit=31"))!;
        Assert.Equal(threshold.Score, all.VariantThreshold);
        Assert.All(all.Variants, v => Assert.Equal(v.Score >= threshold.Score, v.IsVariant));

        var only = (await _client.GetFromJsonAsync<VariantsResponse>("/variants/d2-c0?limit=31&variantsOnly=true"))!;
        Assert.Equal(all.Variants.Where(v => v.IsVariant), only.Variants);
        var search = await _client.PostAsync("/variants/search", Uploads.Form(Uploads.Product(2, Colours[0]), "Top"));
        var found = (await search.Content.ReadFromJsonAsync<SearchResponse>())!;
        Assert.Equal(threshold.Score, found.VariantThreshold);
        Assert.All(found.Variants, v => Assert.Equal(v.Score >= threshold.Score, v.IsVariant));

        var gallery = await _client.GetStringAsync("/gallery/d2-c0?limit=31");
        var called = all.Variants.Count(v => v.IsVariant);
        Assert.Contains($"{called} of 31 called variants", gallery);
        Assert.Equal(called, CountOf(gallery, "<figure class=\"variant\">"));
    }

    [Fact]
    public async Task Bad_target_precisions_are_400s()
    {
        foreach (var target in new[] { "0.2", "1.5", "NaN", "abc" })
        {
            var response = await _client.PostAsync($"/models/active/variant-threshold?targetPrecision={target}", null);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }
    }

    private static int CountOf(string text, string part)
    {
        var count = 0;
        for (var i = text.IndexOf(part, StringComparison.Ordinal); i >= 0; i = text.IndexOf(part, i + 1, StringComparison.Ordinal)) count++;
        return count;
    }
}

/// <summary>Without labels nothing is calibrated: the default threshold stays, and says so.</summary>
public class UnlabelledThresholdTests(CatalogApiFactory factory) : IClassFixture<CatalogApiFactory>
{
    [Fact]
    public async Task A_catalog_without_labels_keeps_the_documented_default_on_its_own_chance_scores()
    {
        using var client = factory.CreateClient();
        Assert.Equal(HttpStatusCode.Created, (await client.PutAsync("/products/lone", Uploads.Form(Uploads.Product(0, Uploads.Red), "Top"))).StatusCode);
        var response = await client.PostAsync("/models/active/variant-threshold", null);
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("Too few labelled products", await response.Content.ReadAsStringAsync());
        await GroupSeeding.SettledAsync(factory, client);
        // One product measures no chance: only a perfect match would be called a variant.
        var lone = (await client.GetFromJsonAsync<ModelResponse>("/models/active"))!.VariantThreshold;
        Assert.Equal(("default", 1.0, (double?)null, (ThresholdCalibration?)null), (lone.Source, lone.Score, lone.SpreadsAboveChance, lone.Calibration));

        // Enough products to measure chance: the default sits its documented spreads above it.
        for (var i = 0; i < 40; i++)
        {
            var colour = new Rgb24((byte)(40 + i * 5), (byte)(200 - i * 4), (byte)(i % 5 * 50));
            Assert.Equal(HttpStatusCode.Created, (await client.PutAsync($"/products/many-{i:00}", Uploads.Form(Uploads.Product(i % 4, colour), "Top"))).StatusCode);
        }
        await GroupSeeding.SettledAsync(factory, client);
        var status = (await client.GetFromJsonAsync<ModelResponse>("/models/active"))!.VariantThreshold;
        var spreads = new Infrastructure.VariantDecisionOptions().DefaultSpreadsAboveChance;
        Assert.NotNull(status.Chance);
        var chance = status.Chance!;
        Assert.Equal(("default", 41), (status.Source, chance.Vectors));
        // Capped at 1: raw (unwhitened) cosines of a small catalog sit high, so this one may reach it.
        Assert.Equal(Storage.VariantHit.Round(Math.Min(1, chance.Mean + spreads * chance.Spread)), status.Score);
        Assert.Equal(Math.Round(chance.SpreadsAbove(status.Score), 2), status.SpreadsAboveChance);
    }
}
