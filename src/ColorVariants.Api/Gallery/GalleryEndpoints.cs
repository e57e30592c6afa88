using System.Globalization;
using System.Text;
using ColorVariants.Api.Infrastructure;
using ColorVariants.Api.Models;
using ColorVariants.Api.Storage;
using ColorVariants.Api.Variants;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using static System.Net.WebUtility;

namespace ColorVariants.Api.Gallery;

/// <summary>The variants of a product as pictures: a page to judge results by eye, linked from product to product.</summary>
public static class GalleryEndpoints
{
    private const string Style = """
        <style>body{font-family:sans-serif;margin:1.5rem}figure{display:inline-block;margin:.4rem;width:170px;vertical-align:top}
        img{width:170px;height:170px;object-fit:contain;background:#f4f4f4}figcaption{font-size:.8rem}.query img{outline:3px solid #36c}
        .variant img{outline:3px solid #2a2}.variant figcaption b{color:#2a2}</style>
        """;

    public static IEndpointRouteBuilder MapGallery(this IEndpointRouteBuilder app)
    {
        app.MapGet("/gallery/{sku}", GetPage)
            .WithTags("Gallery")
            .WithName("GetGallery")
            .WithSummary("An HTML page showing a product beside its colour variants")
            .Produces(StatusCodes.Status200OK, contentType: "text/html")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        return app;
    }

    /// <summary>The variants /variants/{sku} answers, with its parameters and its 400s, as pictures.</summary>
    public static async Task<Results<ContentHttpResult, ProblemHttpResult>> GetPage(
        string sku, int? limit, double? minScore, bool? sameCategory, bool? variantsOnly, CatalogStore store, ServedModel models,
        VariantThresholds thresholds, IOptions<SearchOptions> options, IOptions<VariantDecisionOptions> decision, HttpRequest request,
        CancellationToken cancellationToken)
    {
        var (found, problem) = await ProductVariants.FindAsync(sku, limit, minScore, sameCategory, variantsOnly ?? false, store, models, thresholds,
            options.Value, decision.Value, cancellationToken);
        if (found is null) return problem!;
        var (model, filter, hits) = (found.Model, found.Category, found.Hits);
        var variants = hits.Count(found.IsVariant);
        var rule = found.Verifier is { } verifier
            ? $"ranked and decided by the model's verifier: probability at least {verifier.Threshold:0.000} and another colour"
            : $"score at least {found.Threshold:0.000}";
        rule += ", or confirmed by a reviewer";

        var html = new StringBuilder();
        html.Append(CultureInfo.InvariantCulture, $"""
            <!doctype html><html><head><meta charset="utf-8"><title>Variants of {HtmlEncode(sku)}</title>{Style}{SwatchStyle}</head><body>
            <h1>Colour variants of {HtmlEncode(sku)}</h1><p>Model {HtmlEncode(model.Name)}; {(filter is null ? "all categories" : "category " + HtmlEncode(filter))}; {variants} of {hits.Count} called variants ({HtmlEncode(rule)}, framed green).</p>
            <figure class="query"><img src="{HtmlEncode(request.PathBase + "/products/" + Uri.EscapeDataString(sku) + "/image")}" alt="{HtmlEncode(sku)}"><figcaption>{HtmlEncode(sku)} (query) {SwatchMark(found.ProductSwatch)}</figcaption></figure>
            """);
        foreach (var hit in hits)
        {
            var isVariant = found.IsVariant(hit);
            var sameColour = found.IsSameColour(hit) ? $" {SameColourBadge}" : "";
            html.Append(CultureInfo.InvariantCulture, $"""
                <figure{(isVariant ? " class=\"variant\"" : "")}><a href="{HtmlEncode(request.PathBase + "/gallery/" + Uri.EscapeDataString(hit.Sku))}"><img loading="lazy" src="{HtmlEncode(ImageUrls.For(request, hit.Sku, hit.ImageSha256))}" alt="{HtmlEncode(hit.Sku)}"></a>
                <figcaption>{HtmlEncode(hit.Sku)} &middot; {hit.Score:0.000}{(hit.Probability is { } p ? $" &middot; p {p:0.00}" : "")}{(isVariant ? " <b>variant</b>" : "")}{(hit.Review == Verdict.Confirmed ? " " + ConfirmedBadge : "")}{sameColour}<br>{SwatchMark(hit.Swatch)}{HtmlEncode(hit.Name ?? "")} {HtmlEncode(hit.Colour ?? "")}</figcaption></figure>
                """);
        }
        html.Append("</body></html>");
        return TypedResults.Content(html.ToString(), "text/html; charset=utf-8");
    }

    /// <summary>The swatch square and the same-colour badge, on the gallery and the review page.</summary>
    public const string SwatchStyle = """
        <style>.swatch{display:inline-block;width:.9em;height:.9em;border:1px solid #999;vertical-align:middle;margin-right:.25em}
        .same-colour{background:#fd4;color:#000;padding:0 .3em;border-radius:.3em;font-size:.75rem}
        .confirmed{background:#2a2;color:#fff;padding:0 .3em;border-radius:.3em;font-size:.75rem}</style>
        """;

    /// <summary>What the gallery and the review page mark a pair a reviewer confirmed with: a variant whatever the model scores it.</summary>
    public const string ConfirmedBadge = "<span class=\"confirmed\">confirmed by review</span>";

    /// <summary>What the gallery and the review page mark a same-colour pair with (<see cref="ProductVariants.IsSameColour"/>).</summary>
    public const string SameColourBadge = "<span class=\"same-colour\">same colour &mdash; duplicate?</span>";

    /// <summary>A small square of the swatch's colour, named in its title; nothing before the backfill reaches the product.</summary>
    public static string SwatchMark(ColorVariants.Core.Images.Swatch? swatch) => swatch is null ? "" :
        $"<span class=\"swatch\" style=\"background:{HtmlEncode(swatch.Hex)}\" title=\"{HtmlEncode(swatch.Name)} {HtmlEncode(swatch.Hex)}\" data-hex=\"{HtmlEncode(swatch.Hex)}\"></span>";
}
