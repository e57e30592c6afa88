using System.Net;
using System.Net.Http.Json;
using ColorVariants.Api.Models;
using ColorVariants.Api.Variants;
using ColorVariants.Cli.Import;
using ColorVariants.Core.Catalog;
using ColorVariants.Core.Evaluation;
using Xunit.Abstractions;

namespace ColorVariants.Api.Tests;

/// <summary>
/// A catalog imported with its style labels (as deploy/local/run.sh imports the dev set): once it is
/// whitened, a calibration (at target 0.7: 320 products of two crowded categories give no 20 pairs at 0.9) sets the verifier's probability threshold on those labels, and the verifier
/// goes on deciding with it (a label calibration used to replace it by a score threshold). The same
/// products as <see cref="VerifierTests"/>, chosen by the same rule.
/// </summary>
public class VerifierCalibrationTests(CatalogApiFactory factory, ITestOutputHelper output) : IClassFixture<CatalogApiFactory>
{
    [SkippableFact]
    public async Task Labels_calibrate_the_verifiers_threshold_and_it_keeps_deciding()
    {
        DevSet.SkipIfAbsent();
        var chosen = DevSet.LargestValidationCategories(2, 320);
        var client = factory.CreateClient();
        var imported = await new CatalogImporter(client).ImportAsync(DevSet.Subset(chosen, withStyle: true), new ImportOptions { Concurrency = 4 });
        Assert.Equal(chosen.Count, imported.Counts.Created);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/models/active/whitening", null)).StatusCode);

        var response = await client.PostAsync("/models/active/variant-threshold?targetPrecision=0.7", null);
        var calibrated = (await response.Content.ReadFromJsonAsync<ThresholdRecalibration>())!;
        output.WriteLine($"{response.StatusCode}: {calibrated.Detail}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(CalibrationOutcome.Calibrated, calibrated.Outcome);
        var status = (await client.GetFromJsonAsync<ModelResponse>("/models/active"))!.VariantThreshold;
        Assert.True(status.VerifierCalibration?.OfVerifier, "the calibration did not set the verifier's threshold");
        Assert.Equal(calibrated.Threshold.VerifierThreshold, status.VerifierThreshold);
        Assert.True(status.VerifierCalibration!.Precision >= 0.7);

        // Every item called a variant reaches the calibrated probability; some are called.
        var called = 0;
        foreach (var query in chosen.Take(100))
        {
            var answer = (await client.GetFromJsonAsync<VariantsResponse>($"/variants/{query.Sku}"))!;
            foreach (var item in answer.Variants.Where(v => v.IsVariant))
            {
                called++;
                Assert.True(item.Probability >= status.VerifierThreshold, $"{query.Sku} -> {item.Sku}: p {item.Probability} under {status.VerifierThreshold}");
            }
        }
        output.WriteLine($"{called} items called variants in the answers of the first 100 products.");
        Assert.True(called > 0, "nothing was called a variant");
    }
}
