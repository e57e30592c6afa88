using ColorVariants.Core.Catalog;
using ColorVariants.Core.Images;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ColorVariants.Api.Infrastructure;

/// <summary>The service's error answers, all RFC 9457 problem details.</summary>
public static class Problems
{
    public static ProblemHttpResult InvalidSku(string sku) =>
        TypedResults.Problem(Sku.Describe(sku), statusCode: StatusCodes.Status400BadRequest, title: "Invalid sku");

    public static ProblemHttpResult BadParameter(string name, string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status400BadRequest, title: $"Invalid parameter '{name}'");

    public static ProblemHttpResult UnknownSku(string sku) =>
        TypedResults.Problem($"No product with sku '{sku}'.", statusCode: StatusCodes.Status404NotFound, title: "Unknown sku");

    public static ProblemHttpResult NotEmbeddedYet(string sku, string model) =>
        TypedResults.Problem($"Product '{sku}' has no vector of model '{model}' yet; the catalog is being re-embedded for it.",
            statusCode: StatusCodes.Status409Conflict, title: "Not embedded yet");

    public static ProblemHttpResult Image(ImageRejectedException rejection) => rejection.Reason switch
    {
        ImageRejection.TooLarge => TypedResults.Problem(rejection.Message, statusCode: StatusCodes.Status413PayloadTooLarge, title: "Image too large"),
        ImageRejection.UnsupportedType => TypedResults.Problem(rejection.Message, statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported image type"),
        ImageRejection.TooManyPixels => TypedResults.Problem(rejection.Message, statusCode: StatusCodes.Status422UnprocessableEntity, title: "Too many pixels"),
        _ => TypedResults.Problem(rejection.Message, statusCode: StatusCodes.Status422UnprocessableEntity, title: "Image does not decode"),
    };
}
