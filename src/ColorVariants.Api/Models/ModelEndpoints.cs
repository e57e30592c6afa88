using ColorVariants.Api.Embedding;
using ColorVariants.Api.Infrastructure;
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
    WhiteningStatus Whitening);

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
            .WithDescription("Fits on the raw vectors of every product (no re-inference) and rewrites the searchable ones in one transaction; " +
                             "uploads wait for that transaction. 409 when the model has fewer than `Whitening:MinimumVectors` vectors " +
                             "or is still being re-embedded: then nothing changes.")
            .RequireApiKey()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status409Conflict);
        return group;
    }

    public static async Task<Ok<ModelResponse>> GetActive(ImageEmbedder embedder, CatalogReembedder reembedder, WhiteningRefitter whitening, CancellationToken cancellationToken)
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
            await whitening.StatusAsync(cancellationToken)));
    }

    public static async Task<Results<Ok<WhiteningRefit>, ProblemHttpResult>> RefitWhitening(WhiteningRefitter whitening, CancellationToken cancellationToken)
    {
        var refit = await whitening.RefitAsync(force: true, cancellationToken);
        return refit.Outcome switch
        {
            RefitOutcome.Fitted => TypedResults.Ok(refit),
            RefitOutcome.TooFewVectors => TypedResults.Problem(refit.Detail, statusCode: StatusCodes.Status409Conflict, title: "Too few vectors to fit a whitening"),
            RefitOutcome.Reembedding => TypedResults.Problem(refit.Detail, statusCode: StatusCodes.Status409Conflict, title: "Re-embedding in progress"),
            _ => TypedResults.Problem(refit.Detail, statusCode: StatusCodes.Status409Conflict, title: "Refitted concurrently"),
        };
    }
}
