using ColorVariants.Api.Embedding;
using ColorVariants.Api.Infrastructure;
using ColorVariants.Api.Models;
using ColorVariants.Api.Storage;
using ColorVariants.Core.Catalog;
using ColorVariants.Core.Images;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace ColorVariants.Api.Variants;

/// <summary>What shop frontends call: the colour variants of a product, or of a new picture.</summary>
public static class VariantEndpoints
{
    public static RouteGroupBuilder MapVariants(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/variants").WithTags("Variants");

        group.MapGet("/{sku}", GetVariants)
            .WithName("GetVariants")
            .WithSummary("Colour variants of a catalog product, best first")
            .WithDescription("`limit` (default 10, at most 100) nearest products by cosine similarity of the active model's embeddings; " +
                             "`minScore` drops weaker ones; `sameCategory` (default: true when the product has a category) keeps " +
                             "to the product's category. The list holds `limit` items whenever the catalog has that many candidates.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        group.MapPost("/search", Search)
            .WithName("SearchVariants")
            .WithSummary("Catalog products that are colour variants of a posted image")
            .WithDescription("Multipart form: `image` (JPEG, PNG or WebP) and optional `category`, `limit`, `minScore`. Nothing is stored. " +
                             "Limited per client (Search:SearchesPerClientPerMinute, then 429 with Retry-After); needs X-Api-Key when Search:ApiKey is set.")
            .DisableAntiforgery()
            .RequireRateLimiting(RateLimits.Uploads)
            .RequirePerClientSearchLimit()
            .RequireSearchApiKey()
            .AddEndpointFilter<ImageRejectionFilter>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);

        return group;
    }

    public static async Task<Results<Ok<VariantsResponse>, ProblemHttpResult>> GetVariants(
        string sku,
        int? limit,
        double? minScore,
        bool? sameCategory,
        VariantStore variants,
        ModelRegistry models,
        IOptions<SearchOptions> options,
        HttpRequest request,
        CancellationToken cancellationToken)
    {
        if (!Sku.IsValid(sku)) return Problems.InvalidSku(sku);
        if (CheckParameters(limit, minScore, options.Value) is { } problem) return problem;

        var model = models.Active;
        if (await variants.FindAsync(sku, model, cancellationToken) is not { } product) return Problems.UnknownSku(sku);
        if (product.Vector is null) return Problems.NotEmbeddedYet(sku, model.Name);

        var category = sameCategory ?? true ? product.Category : null;
        var hits = await variants.NearestAsync(product.Vector, model, limit ?? options.Value.DefaultLimit, minScore, category, sku, cancellationToken);
        return TypedResults.Ok(new VariantsResponse(sku, product.Category, model.Name, ToResponses(hits, request)));
    }

    public static async Task<Results<Ok<SearchResponse>, ProblemHttpResult>> Search(
        IFormFile? image,
        [FromForm] string? category,
        [FromForm] int? limit,
        [FromForm] double? minScore,
        ImageEmbedder embedder,
        ActiveWhitening whitening,
        VariantStore variants,
        ModelRegistry models,
        IOptions<SearchOptions> options,
        HttpRequest request,
        CancellationToken cancellationToken)
    {
        if (!ImageForm.HasOne(image, request, out var imageProblem)) return imageProblem;
        if (CheckParameters(limit, minScore, options.Value) is { } problem) return problem;
        var filter = string.IsNullOrWhiteSpace(category) ? null : category.Trim();
        if (filter is not null && !StorableText.IsStorable(filter)) return Problems.BadParameter("category", $"'category' {StorableText.Rule}.");

        // Bad images throw ImageRejectedException; ImageRejectionFilter answers 413, 415 or 422.
        var content = await embedder.ReadUploadAsync(image, cancellationToken);
        var raw = await embedder.EmbedAsync(content, cancellationToken);
        // The query is whitened as the catalog's vectors are; the version check reads one row.
        var vector = (await whitening.CurrentAsync(cancellationToken)).Project(raw);

        var model = models.Active;
        var hits = await variants.NearestAsync(ProductStore.ToHalfVector(vector), model, limit ?? options.Value.DefaultLimit, minScore, filter, null, cancellationToken);
        return TypedResults.Ok(new SearchResponse(model.Name, filter, ToResponses(hits, request)));
    }

    private static ProblemHttpResult? CheckParameters(int? limit, double? minScore, SearchOptions options)
    {
        if (limit is not null && (limit < 1 || limit > options.MaxLimit))
            return Problems.BadParameter("limit", $"'limit' must be between 1 and {options.MaxLimit}.");
        if (minScore is not null && (double.IsNaN(minScore.Value) || minScore < -1 || minScore > 1))
            return Problems.BadParameter("minScore", "'minScore' must be between -1 and 1.");
        return null;
    }

    private static List<VariantResponse> ToResponses(IReadOnlyList<VariantHit> hits, HttpRequest request) =>
        hits.Select(h => new VariantResponse(h.Sku, h.Score, h.Category, h.Name, h.Colour, ImageUrls.For(request, h.Sku, h.ImageSha256))).ToList();
}
