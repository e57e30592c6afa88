using ColorVariants.Api.Embedding;
using ColorVariants.Api.Infrastructure;
using ColorVariants.Api.Models;
using ColorVariants.Api.Storage;
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
                             "to the product's category. The list holds `limit` items whenever the catalog has that many candidates. " +
                             "Each item says `isVariant`: its score reaches the model's variant threshold (`variantThreshold`, see GET /models/active); " +
                             "`variantsOnly=true` returns only those. Each item carries its `swatch` (`hex`, `name`) and `sameColour`: in the product's group " +
                             "(or confirmed) with a swatch within Variants:SameColourMaxDeltaE (CIEDE2000) of the product's, likely a duplicate listing.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        group.MapPost("/search", Search)
            .WithName("SearchVariants")
            .WithSummary("Catalog products that are colour variants of a posted image")
            .WithDescription("Multipart form: `image` (JPEG, PNG or WebP) and optional `category`, `limit`, `minScore`, `variantsOnly`. Nothing is stored. " +
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
        bool? variantsOnly,
        CatalogStore store,
        ServedModel models,
        VariantThresholds thresholds,
        IOptions<SearchOptions> options,
        IOptions<VariantDecisionOptions> decision,
        HttpRequest request,
        CancellationToken cancellationToken)
    {
        var (found, problem) = await ProductVariants.FindAsync(sku, limit, minScore, sameCategory, variantsOnly ?? false, store, models, thresholds,
            options.Value, decision.Value, cancellationToken);
        if (found is null) return problem!;
        var variants = found.Hits.Select(h => ToResponse(h, found.IsVariant(h), request) with
        {
            Reviewed = h.Review == Verdict.Confirmed ? "confirmed" : null,
            SameColour = found.IsSameColour(h),
        }).ToList();
        return TypedResults.Ok(new VariantsResponse(sku, found.ProductCategory, found.ProductSwatch, found.Model.Name, found.Threshold, variants));
    }

    public static async Task<Results<Ok<SearchResponse>, ProblemHttpResult>> Search(
        IFormFile? image,
        [FromForm] string? category,
        [FromForm] int? limit,
        [FromForm] double? minScore,
        [FromForm] bool? variantsOnly,
        ImageEmbedder embedder,
        CatalogStore store,
        ServedModel models,
        VariantThresholds thresholds,
        IOptions<SearchOptions> options,
        HttpRequest request,
        CancellationToken cancellationToken)
    {
        if (!ImageForm.HasOne(image, request, out var imageProblem)) return imageProblem;
        if (!ImageForm.HasEachOnce(request, ["category", "limit", "minScore", "variantsOnly"], out var repeated)) return repeated;
        if (ProductVariants.CheckParameters(limit, minScore, options.Value) is { } problem) return problem;
        var filter = string.IsNullOrWhiteSpace(category) ? null : category.Trim();
        if (filter is not null && !StorableText.IsStorable(filter)) return Problems.BadParameter("category", $"'category' {StorableText.Rule}.");
        // As an upload caps it: no stored product has a longer category, and the statement need not carry one.
        if (filter?.Length > Products.ProductForm.MaxTextLength)
            return Problems.BadParameter("category", $"'category' has {filter.Length} characters; at most {Products.ProductForm.MaxTextLength} are allowed.");

        // Bad images throw ImageRejectedException; ImageRejectionFilter answers 413, 415 or 422.
        var content = await embedder.ReadUploadAsync(image, cancellationToken);
        var embedded = await embedder.EmbedAsync(content, readSwatch: false, cancellationToken);
        var model = models.Active;
        // The query is whitened as the catalog's vectors are; the version check reads one row.
        var whitening = await store.CurrentWhiteningAsync(model, cancellationToken);
        var vector = whitening.Project(embedded.Raw);

        var threshold = thresholds.Current;
        var wanted = limit ?? options.Value.DefaultLimit;
        var only = variantsOnly ?? false;
        var verifier = thresholds.DecidingVerifier;
        bool IsVariant(VariantHit h) => ProductVariants.IsVariant(h, threshold, verifier, null, 0);
        var (fetch, storeMinScore) = VariantRanking.StoreRequest(model, wanted, minScore, only, threshold);
        var found = await store.FindVariantsAsync(VariantQuery.ByVector(vector, whitening.Slot, filter, fetch, storeMinScore), model, cancellationToken);
        // A search by image reads no swatch of the picture: the verifier goes without the colour difference.
        var hits = VariantRanking.Answer(found.Hits, model, thresholds, null, wanted, only, IsVariant);
        return TypedResults.Ok(new SearchResponse(model.Name, filter, threshold, hits.Select(h => ToResponse(h, IsVariant(h), request)).ToList()));
    }

    private static VariantResponse ToResponse(VariantHit hit, bool isVariant, HttpRequest request) =>
        new(hit.Sku, hit.Score, isVariant, hit.Category, hit.Name, hit.Colour, ImageUrls.For(request, hit.Sku, hit.ImageSha256), Swatch: hit.Swatch,
            Probability: hit.Probability);
}
