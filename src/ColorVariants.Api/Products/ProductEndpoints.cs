using ColorVariants.Api.Maintenance;
using ColorVariants.Api.Embedding;
using ColorVariants.Api.Groups;
using ColorVariants.Api.Infrastructure;
using ColorVariants.Api.Models;
using ColorVariants.Api.Storage;
using ColorVariants.Core.Catalog;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Net.Http.Headers;

namespace ColorVariants.Api.Products;

/// <summary>What catalog teams do: upload, replace, read back and delete products.</summary>
public static class ProductEndpoints
{
    /// <summary>Response header of PUT: created, replaced or unchanged, for importers that count them.</summary>
    public const string OutcomeHeader = "Catalog-Outcome";

    public static RouteGroupBuilder MapProducts(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/products").WithTags("Products");

        group.MapPut("/{sku}", PutProduct)
            .WithName("PutProduct")
            .WithSummary("Upload or replace a product")
            .WithDescription("Multipart form: `image` (JPEG, PNG or WebP, judged by content) and optional `category`, `name`, `colour` " +
                             "and `attributes` (a JSON object of strings). The image is embedded with the active model before anything " +
                             "is stored, so a rejected upload changes nothing. Uploading the same content again is a no-op (200). The `Catalog-Outcome` response header says created, replaced or unchanged.")
            .DisableAntiforgery()
            .RequireRateLimiting(RateLimits.Uploads)
            .RequireApiKey()
            .AddEndpointFilter<ImageRejectionFilter>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);

        group.MapGet("/{sku}", GetProduct)
            .WithName("GetProduct")
            .WithSummary("Read a product back")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapGet("/{sku}/image", GetImage)
            .WithName("GetProductImage")
            .WithSummary("The product's image, as uploaded")
            .WithDescription("Served with its content hash as ETag (If-None-Match gives 304).")
            .Produces(StatusCodes.Status200OK, contentType: "image/jpeg", additionalContentTypes: ["image/png", "image/webp"])
            .Produces(StatusCodes.Status304NotModified)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapDelete("/{sku}", DeleteProduct)
            .WithName("DeleteProduct")
            .WithSummary("Delete a product, its vectors and (when no other product uses it) its image")
            .RequireApiKey()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound);

        return group;
    }

    public static async Task<Results<Created<ProductResponse>, Ok<ProductResponse>, ProblemHttpResult>> PutProduct(
        string sku,
        IFormFile? image,
        [FromForm] string? category,
        [FromForm] string? name,
        [FromForm] string? colour,
        [FromForm] string? attributes,
        ImageEmbedder embedder,
        ServedModel models,
        CatalogStore store,
        CatalogMaintenance maintenance,
        HttpRequest request,
        CancellationToken cancellationToken)
    {
        if (!Sku.IsValid(sku)) return Problems.InvalidSku(sku);
        if (!ImageForm.HasOne(image, request, out var imageProblem)) return imageProblem;
        if (!ImageForm.HasEachOnce(request, ["category", "name", "colour", "attributes"], out var repeated)) return repeated;
        if (ProductForm.Read(category, name, colour, attributes, out var fields) is { } fieldProblem) return fieldProblem;

        // Bad images throw ImageRejectedException; ImageRejectionFilter answers 413, 415 or 422.
        var content = await embedder.ReadUploadAsync(image, cancellationToken);
        var model = models.Active;

        // The same bytes as the stored image passed intake when they were stored: nothing to embed or write.
        if (await store.GetIfUnchangedAsync(sku, fields, SHA256.HashData(content), model, cancellationToken) is { } unchanged)
        {
            request.HttpContext.Response.Headers[OutcomeHeader] = "unchanged";
            return TypedResults.Ok(ToResponse(unchanged, request));
        }

        var embedded = await embedder.EmbedAsync(content, readSwatch: true, cancellationToken);
        var uploaded = new UploadedImage(content, embedded.Header.MediaType, embedded.Header.Width, embedded.Header.Height, embedded.Swatch!); // read: asked for above
        var (outcome, stored) = await store.UpsertProductAsync(sku, fields, uploaded, embedded.Raw, model, cancellationToken);
        maintenance.CategoryChanged(stored.Fields.Category); // a category it left is found and regrouped too
        var response = ToResponse(stored, request);
        request.HttpContext.Response.Headers[OutcomeHeader] = outcome == UpsertOutcome.Created ? "created" : "replaced";
        return outcome == UpsertOutcome.Created
            ? TypedResults.Created($"/products/{Uri.EscapeDataString(sku)}", response)
            : TypedResults.Ok(response);
    }

    public static async Task<Results<Ok<ProductResponse>, ProblemHttpResult>> GetProduct(
        string sku, CatalogStore store, ServedModel models, HttpRequest request, CancellationToken cancellationToken)
    {
        if (!Sku.IsValid(sku)) return Problems.InvalidSku(sku);
        return await store.GetProductAsync(sku, cancellationToken) is { } product
            ? TypedResults.Ok(ToResponse(product, request) with { GroupId = await store.GroupOfAsync(models.Active, sku, cancellationToken) })
            : Problems.UnknownSku(sku);
    }

    public static async Task<Results<FileContentHttpResult, StatusCodeHttpResult, ProblemHttpResult>> GetImage(
        string sku, CatalogStore store, HttpContext context, CancellationToken cancellationToken)
    {
        if (!Sku.IsValid(sku)) return Problems.InvalidSku(sku);
        if (await store.GetImageAsync(sku, cancellationToken) is not { } found) return Problems.UnknownSku(sku);
        var (sha256, mediaType, content) = found;

        var etag = new EntityTagHeaderValue($"\"{Convert.ToHexStringLower(sha256)}\"");
        var headers = context.Response.GetTypedHeaders();
        headers.ETag = etag;
        // A URL versioned with this image's hash (?v=, as ImageUrls makes it) names this image for
        // good; any other URL, a stale or made-up v included, may show another image after a re-upload.
        var versioned = context.Request.Query["v"] is [{ } v] && v == ImageUrls.Version(sha256);
        var cacheControl = new CacheControlHeaderValue
        {
            Public = true,
            MaxAge = versioned ? TimeSpan.FromDays(365) : TimeSpan.FromMinutes(5),
        };
        if (versioned) cacheControl.Extensions.Add(new NameValueHeaderValue("immutable"));
        headers.CacheControl = cacheControl; // set whole: the typed getter parses a copy
        var ifNoneMatch = context.Request.GetTypedHeaders().IfNoneMatch;
        if (ifNoneMatch.Any(tag => tag.Compare(etag, useStrongComparison: false) || tag.Equals(EntityTagHeaderValue.Any)))
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        return TypedResults.File(content, mediaType);
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteProduct(
        string sku, CatalogStore store, CatalogMaintenance maintenance, CancellationToken cancellationToken)
    {
        if (!Sku.IsValid(sku)) return Problems.InvalidSku(sku);
        var (deleted, category) = await store.DeleteProductAsync(sku, cancellationToken);
        if (!deleted) return Problems.UnknownSku(sku);
        maintenance.CategoryChanged(category);
        return TypedResults.NoContent();
    }

    private static ProductResponse ToResponse(StoredProduct product, HttpRequest request) => new(
        product.Sku,
        product.Fields.Category,
        product.Fields.Name,
        product.Fields.Colour,
        product.Fields.Attributes,
        ImageUrls.For(request, product.Sku, product.ImageSha256),
        new ImageResponse(Convert.ToHexStringLower(product.ImageSha256), product.MediaType, product.Width, product.Height, product.ImageBytes),
        product.CreatedAt,
        product.UpdatedAt,
        product.Swatch);
}
