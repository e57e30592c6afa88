using ColorVariants.Api.Embedding;
using ColorVariants.Api.Infrastructure;
using ColorVariants.Api.Maintenance;
using ColorVariants.Api.Variants;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ColorVariants.Api.Models;

/// <summary>For ML engineers rolling out a model: what is served, how it was made, how far re-embedding is.</summary>
public sealed record ModelResponse(
    string Name,
    string Sha256,
    int Dimensions,
    string ExecutionProvider,
    int InputSize,
    string ColourMode,
    IReadOnlyDictionary<string, string> Metadata,
    ReembedStatus Reembedding,
    MaintenanceStatus Maintenance,
    WhiteningStatus Whitening,
    VariantThresholdStatus VariantThreshold);

public static class ModelEndpoints
{
    public static RouteGroupBuilder MapModels(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/models").WithTags("Models");
        group.MapGet("/active", GetActive)
            .WithName("GetActiveModel")
            .WithSummary("The model this service embeds with, its ONNX metadata, the catalog's re-embedding progress and its whitening");
        group.MapPost("/active/whitening", RefitWhitening)
            .WithName("RefitWhitening")
            .WithSummary("Fit the active model's whitening on the catalog now and re-project its vectors")
            .WithDescription("Fits on the raw vectors of every product (no re-inference), re-projects them page by page into the model's idle " +
                             "slot while searches read the active one and uploads go on, then switches: no upload waits for it. Runs as a " +
                             "background job (after those queued before it) and answers when it is done. 409 when the model has fewer than `Whitening:MinimumVectors` vectors " +
                             "or is still being re-embedded: then nothing changes.")
            .RequireApiKey()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status409Conflict);
        group.MapPost("/active/variant-threshold", CalibrateThreshold)
            .WithName("CalibrateVariantThreshold")
            .WithSummary("Calibrate the active model's variant threshold on the catalog's labelled products now")
            .WithDescription("Products whose attributes carry `Variants:LabelAttribute` (default `style`: equal values are colour variants) are scored " +
                             "against their nearest neighbours in their category, as /variants ranks them; the lowest threshold whose pairs reach " +
                             "`targetPrecision` (default `Variants:TargetPrecision`, 0.9) is stored with the model. 409 when there are too few labels " +
                             "or no threshold reaches the target: then the threshold in force stays. A whitening refit recalibrates by itself.")
            .RequireApiKey()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status409Conflict);
        return group;
    }

    public static async Task<Ok<ModelResponse>> GetActive(ImageEmbedder embedder, CatalogReembedder reembedder, WhiteningRefitter whitening,
        CatalogMaintenance maintenance, VariantThresholds thresholds, CancellationToken cancellationToken)
    {
        var model = embedder.Model;
        return TypedResults.Ok(new ModelResponse(
            model.Name,
            model.Sha256,
            model.Dimensions,
            model.ExecutionProvider,
            model.Preprocessing.InputSize,
            model.Preprocessing.ColourMode.ToString().ToLowerInvariant(),
            model.Metadata,
            reembedder.Status,
            maintenance.Status,
            await whitening.StatusAsync(cancellationToken),
            thresholds.Status));
    }

    public static async Task<Results<Ok<ThresholdRecalibration>, ProblemHttpResult>> CalibrateThreshold(double? targetPrecision,
        VariantThresholds thresholds, CatalogMaintenance maintenance, CancellationToken cancellationToken)
    {
        if (targetPrecision is not null and (< 0.5 or > 1 or double.NaN))
            return Problems.BadParameter("targetPrecision", "'targetPrecision' is from 0.5 to 1.");
        var calibration = await thresholds.CalibrateAsync(targetPrecision, cancellationToken);
        if (calibration.Outcome == CalibrationOutcome.Calibrated) maintenance.RegroupAll(); // the groups follow the new threshold
        return calibration.Outcome switch
        {
            CalibrationOutcome.Calibrated => TypedResults.Ok(calibration),
            CalibrationOutcome.TooFewLabels => TypedResults.Problem(calibration.Detail, statusCode: StatusCodes.Status409Conflict, title: "Too few labelled products"),
            _ => TypedResults.Problem(calibration.Detail, statusCode: StatusCodes.Status409Conflict, title: "No threshold reaches the target precision"),
        };
    }

    public static async Task<Results<Ok<WhiteningRefit>, ProblemHttpResult>> RefitWhitening(CatalogMaintenance maintenance, CancellationToken cancellationToken)
    {
        var refit = await maintenance.RefitNowAsync(cancellationToken);
        return refit.Outcome switch
        {
            RefitOutcome.Fitted => TypedResults.Ok(refit),
            RefitOutcome.TooFewVectors => TypedResults.Problem(refit.Detail, statusCode: StatusCodes.Status409Conflict, title: "Too few vectors to fit a whitening"),
            RefitOutcome.Reembedding => TypedResults.Problem(refit.Detail, statusCode: StatusCodes.Status409Conflict, title: "Re-embedding in progress"),
            _ => TypedResults.Problem(refit.Detail, statusCode: StatusCodes.Status409Conflict, title: "Refitted concurrently"),
        };
    }
}
