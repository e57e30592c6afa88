using ColorVariants.Api.Embedding;
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
    ReembedStatus Reembedding);

public static class ModelEndpoints
{
    public static RouteGroupBuilder MapModels(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/models").WithTags("Models");
        group.MapGet("/active", GetActive)
            .WithName("GetActiveModel")
            .WithSummary("The model this service embeds with, its ONNX metadata and the catalog's re-embedding progress");
        return group;
    }

    public static Ok<ModelResponse> GetActive(ImageEmbedder embedder, CatalogReembedder reembedder)
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
            reembedder.Status));
    }
}
