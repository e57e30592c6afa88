using System.Text;
using ColorVariants.Api.Maintenance;
using ColorVariants.Api.Infrastructure;
using ColorVariants.Api.Models;
using ColorVariants.Api.Storage;
using ColorVariants.Core.Images;
using Microsoft.AspNetCore.Http.HttpResults;
using CatalogSku = ColorVariants.Core.Catalog.Sku;

namespace ColorVariants.Api.Groups;

public sealed record GroupMemberResponse(string Sku, string? Category, string? Name, string? Colour, string ImageUrl, Swatch? Swatch);

/// <param name="Category">The category the group was formed in ('' for products without one).</param>
public sealed record GroupResponse(string GroupId, string Category, int Size, IReadOnlyList<GroupMemberResponse> Members);

/// <param name="NextCursor">Pass as `cursor` for the next page; null on the last.</param>
/// <param name="Pending">Categories changed and not regrouped yet: 0 when the groups are up to date.</param>
public sealed record GroupPage(IReadOnlyList<GroupSummary> Groups, string? NextCursor, int Pending);

/// <summary>For catalog teams, PIMs and feeds: the variant groups of the catalog under the active model.</summary>
public static class GroupEndpoints
{
    public const int MaxPage = 500;

    public static RouteGroupBuilder MapGroups(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/groups").WithTags("Groups");
        group.MapGet("/", ListGroups)
            .WithName("ListGroups")
            .WithSummary("Variant groups, a page at a time, by group id")
            .WithDescription("`category` (the category the groups were formed in), `minSize` (default 2: groups with variants), `limit` " +
                             $"(default 100, at most {MaxPage}), `cursor` (the previous page's `nextCursor`). `pending` counts categories " +
                             "changed and not regrouped yet.")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        group.MapGet("/export", Export)
            .WithName("ExportGroups")
            .WithSummary("Every group as CSV: group_id,sku, one line per product, streamed")
            .WithDescription("`minSize` (default 1: every product, a product without variants as its own group).")
            .Produces(StatusCodes.Status200OK, contentType: "text/csv")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        group.MapGet("/{id}", GetGroup)
            .WithName("GetGroup")
            .WithSummary("A variant group and its members")
            .WithDescription("A group's id is its smallest sku, so it changes when a product with a smaller sku joins.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
        return group;
    }

    public static async Task<Results<Ok<GroupResponse>, ProblemHttpResult>> GetGroup(
        string id, CatalogStore store, ServedModel models, HttpRequest request, CancellationToken cancellationToken)
    {
        if (!CatalogSku.IsValid(id)) return Problems.BadParameter("id", "A group id is the sku of its smallest member.");
        var members = await store.GroupMembersAsync(models.Active, id, cancellationToken);
        if (members.Count == 0)
            return TypedResults.Problem($"No variant group '{id}' under the active model.", statusCode: StatusCodes.Status404NotFound, title: "Unknown group");
        return TypedResults.Ok(new GroupResponse(id, members[0].Category ?? "", members.Count,
            members.Select(m => new GroupMemberResponse(m.Sku, m.Category, m.Name, m.Colour, ImageUrls.For(request, m.Sku, m.ImageSha256), m.Swatch)).ToList()));
    }

    public static async Task<Results<Ok<GroupPage>, ProblemHttpResult>> ListGroups(
        string? category, int? minSize, int? limit, string? cursor, CatalogStore store, ServedModel models, CatalogMaintenance maintenance,
        CancellationToken cancellationToken)
    {
        if (minSize is < 1) return Problems.BadParameter("minSize", "'minSize' is at least 1.");
        if (limit is < 1 or > MaxPage) return Problems.BadParameter("limit", $"'limit' must be between 1 and {MaxPage}.");
        if (cursor is not null && !CatalogSku.IsValid(cursor)) return Problems.BadParameter("cursor", "'cursor' is a previous page's nextCursor.");
        if (category is not null && !StorableText.IsStorable(category)) return Problems.BadParameter("category", $"'category' {StorableText.Rule}.");
        var size = limit ?? 100;
        var page = await store.ListGroupsAsync(models.Active, category, minSize ?? 2, cursor, size, cancellationToken);
        return TypedResults.Ok(new GroupPage(page, page.Count == size ? page[^1].GroupId : null, maintenance.CategoriesToRegroup));
    }

    public static async Task<Results<EmptyHttpResult, ProblemHttpResult>> Export(
        int? minSize, CatalogStore store, ServedModel models, HttpContext context, CancellationToken cancellationToken)
    {
        if (minSize is < 1) return Problems.BadParameter("minSize", "'minSize' is at least 1.");
        // The first row is read before the response starts: a database out of reach is then a 503
        // with Retry-After, not a 200 whose CSV is cut after its header.
        await using var rows = store.ExportGroupsAsync(models.Active, minSize ?? 1, cancellationToken).GetAsyncEnumerator(cancellationToken);
        var more = await rows.MoveNextAsync();
        var response = context.Response;
        response.ContentType = "text/csv; charset=utf-8";
        response.Headers.ContentDisposition = "attachment; filename=\"variant-groups.csv\"";
        var line = new StringBuilder();
        await response.WriteAsync("group_id,sku\n", cancellationToken);
        for (; more; more = await rows.MoveNextAsync())
        {
            var (groupId, sku) = rows.Current;
            // Skus hold no commas, quotes or line breaks (Core Sku), but may start with '-': a formula to a spreadsheet.
            line.Clear().Append(Csv.Field(groupId)).Append(',').Append(Csv.Field(sku)).Append('\n');
            await response.WriteAsync(line.ToString(), cancellationToken);
        }
        return TypedResults.Empty;
    }
}
