using System.Globalization;
using System.Text;
using ColorVariants.Api.Maintenance;
using ColorVariants.Api.Groups;
using ColorVariants.Api.Infrastructure;
using ColorVariants.Api.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using CatalogSku = ColorVariants.Core.Catalog.Sku;

namespace ColorVariants.Api.Reviews;

/// <summary>A verdict to store: `confirmed` (the two are colour variants) or `rejected`.</summary>
public sealed record ReviewRequest(string? SkuA, string? SkuB, string? Verdict, string? Reviewer);

public sealed record ReviewResponse(long Id, string SkuA, string SkuB, string Verdict, string Reviewer, DateTimeOffset At);

/// <param name="NextCursor">Pass as `cursor` for the next page; null on the last.</param>
public sealed record ReviewList(IReadOnlyList<ReviewResponse> Reviews, long? NextCursor);

/// <summary>
/// For catalog teams: verdicts on pairs of products. They win over the model: /variants leaves
/// rejected pairs out and calls confirmed ones variants, and the groups join confirmed pairs and
/// keep rejected ones apart (their categories are regrouped at once). Writes need the API key.
/// </summary>
public static class ReviewEndpoints
{
    public const int MaxPage = 500;
    public const int MaxReviewerLength = 128;

    public static RouteGroupBuilder MapReviews(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/reviews").WithTags("Reviews");
        group.MapPost("/", PostReview)
            .WithName("PostReview")
            .WithSummary("Confirm or reject a pair of products as colour variants")
            .WithDescription("JSON `{ skuA, skuB, verdict: confirmed | rejected, reviewer }`. A new verdict on a pair replaces the old one.")
            .RequireApiKey()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        group.MapGet("/", ListReviews)
            .WithName("ListReviews")
            .WithSummary("Stored verdicts, oldest first")
            .WithDescription($"`sku` (only pairs holding it), `limit` (default 100, at most {MaxPage}), `cursor` (the previous page's `nextCursor`).")
            .RequireApiKey()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        group.MapGet("/export", ExportReviews)
            .WithName("ExportReviews")
            .WithSummary("Every verdict as CSV: sku_a,sku_b,verdict,reviewer,at, oldest first, streamed")
            .WithDescription("What `colorvariants train triplet --labels` trains from. `at` is ISO 8601 UTC; a reviewer " +
                             "holding a comma, a quote or a line break is quoted as RFC 4180 says.")
            .RequireApiKey()
            .Produces(StatusCodes.Status200OK, contentType: "text/csv")
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        group.MapDelete("/{id:long}", DeleteReview)
            .WithName("DeleteReview")
            .WithSummary("Undo a verdict")
            .RequireApiKey()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound);
        return group;
    }

    public static async Task<Results<Ok<ReviewResponse>, ProblemHttpResult>> PostReview(
        ReviewRequest review, CatalogStore store, CatalogMaintenance maintenance, CancellationToken cancellationToken)
    {
        if (!CatalogSku.IsValid(review.SkuA)) return Problems.BadParameter("skuA", "'skuA' is a sku.");
        if (!CatalogSku.IsValid(review.SkuB)) return Problems.BadParameter("skuB", "'skuB' is a sku.");
        if (review.SkuA == review.SkuB) return Problems.BadParameter("skuB", "A verdict is on two different products.");
        Verdict? verdict = review.Verdict switch { "confirmed" => Verdict.Confirmed, "rejected" => Verdict.Rejected, _ => null };
        if (verdict is null) return Problems.BadParameter("verdict", "'verdict' is confirmed or rejected.");
        var reviewer = review.Reviewer?.Trim();
        if (string.IsNullOrEmpty(reviewer) || reviewer.Length > MaxReviewerLength || !StorableText.IsStorable(reviewer))
            return Problems.BadParameter("reviewer", $"'reviewer' names who decided: 1 to {MaxReviewerLength} characters, {StorableText.Rule}.");

        var (stored, categories) = await store.SaveReviewAsync(review.SkuA!, review.SkuB!, verdict.Value, reviewer, cancellationToken);
        Regroup(maintenance, categories);
        return TypedResults.Ok(ToResponse(stored));
    }

    public static async Task<Results<Ok<ReviewList>, ProblemHttpResult>> ListReviews(
        string? sku, int? limit, long? cursor, CatalogStore store, CancellationToken cancellationToken)
    {
        if (sku is not null && !CatalogSku.IsValid(sku)) return Problems.InvalidSku(sku);
        if (limit is < 1 or > MaxPage) return Problems.BadParameter("limit", $"'limit' must be between 1 and {MaxPage}.");
        if (cursor is < 0) return Problems.BadParameter("cursor", "'cursor' is a previous page's nextCursor.");
        var size = limit ?? 100;
        var page = await store.ListReviewsAsync(sku, cursor, size, cancellationToken);
        return TypedResults.Ok(new ReviewList(page.Select(ToResponse).ToList(), page.Count == size ? page[^1].Id : null));
    }

    public static async Task<EmptyHttpResult> ExportReviews(CatalogStore store, HttpContext context, CancellationToken cancellationToken)
    {
        // The first row is read before the response starts: a database out of reach is then a 503
        // with Retry-After, not a 200 whose CSV is cut after its header.
        await using var rows = store.ExportReviewsAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
        var more = await rows.MoveNextAsync();
        var response = context.Response;
        response.ContentType = "text/csv; charset=utf-8";
        response.Headers.ContentDisposition = "attachment; filename=\"reviews.csv\"";
        var line = new StringBuilder();
        await response.WriteAsync("sku_a,sku_b,verdict,reviewer,at\n", cancellationToken);
        for (; more; more = await rows.MoveNextAsync())
        {
            var review = rows.Current;
            // A sku may start with '-' (Core Sku), a reviewer hold anything storable: every text through Csv.Field.
            line.Clear().Append(Csv.Field(review.SkuA)).Append(',').Append(Csv.Field(review.SkuB)).Append(',')
                .Append(review.Verdict == Verdict.Confirmed ? "confirmed" : "rejected").Append(',')
                .Append(Csv.Field(review.Reviewer)).Append(',')
                .Append(review.At.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture)).Append('\n');
            await response.WriteAsync(line.ToString(), cancellationToken);
        }
        return TypedResults.Empty;
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteReview(
        long id, CatalogStore store, CatalogMaintenance maintenance, CancellationToken cancellationToken)
    {
        if (await store.DeleteReviewAsync(id, cancellationToken) is not { } deleted)
            return TypedResults.Problem($"No review {id}.", statusCode: StatusCodes.Status404NotFound, title: "Unknown review");
        Regroup(maintenance, deleted.Categories);
        return TypedResults.NoContent();
    }

    private static void Regroup(CatalogMaintenance maintenance, string?[] categories)
    {
        foreach (var category in categories.OfType<string>().Distinct()) maintenance.CategoryChanged(category);
    }

    private static ReviewResponse ToResponse(StoredReview review) => new(review.Id, review.SkuA, review.SkuB,
        review.Verdict == Verdict.Confirmed ? "confirmed" : "rejected", review.Reviewer, review.At);
}
