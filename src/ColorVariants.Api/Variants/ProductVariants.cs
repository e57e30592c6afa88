using ColorVariants.Api.Infrastructure;
using ColorVariants.Api.Models;
using ColorVariants.Api.Storage;
using ColorVariants.Core.Evaluation;
using ColorVariants.Core.Images;
using CatalogSku = ColorVariants.Core.Catalog.Sku;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ColorVariants.Api.Variants;

/// <summary>
/// The colour variants of a catalog product, as /variants/{sku} and /gallery/{sku} both find
/// them: the same checks, the same defaults (<see cref="SearchOptions"/>), the same query
/// (<see cref="CatalogStore.FindVariantsAsync"/>, which /variants/search ranks with too).
/// </summary>
/// <param name="Category">The category searched: the product's, unless sameCategory=false.</param>
/// <param name="Threshold">The variant threshold the hits were judged by (<see cref="VariantThresholds"/>).</param>
/// <param name="ProductSwatch">The query product's swatch (null before the backfill reaches it).</param>
/// <param name="SameColourMaxDeltaE">Variants:SameColourMaxDeltaE, what <see cref="IsSameColour"/> compares with.</param>
/// <param name="Verifier">The verifier that decides (<see cref="VariantThresholds.DecidingVerifier"/>), or null: the score threshold decides.</param>
public sealed record ProductVariants(string Sku, string? ProductCategory, string? Category, ActiveModel Model, double Threshold,
    IReadOnlyList<VariantHit> Hits, Swatch? ProductSwatch, double SameColourMaxDeltaE, VariantVerifier? Verifier)
{
    /// <returns>The variants, or the problem to answer (400 bad parameters, 404 unknown sku, 409 no vector yet).</returns>
    public static async Task<(ProductVariants? Variants, ProblemHttpResult? Problem)> FindAsync(
        string sku, int? limit, double? minScore, bool? sameCategory, bool variantsOnly, CatalogStore store, ServedModel models,
        VariantThresholds thresholds, SearchOptions options, VariantDecisionOptions decision, CancellationToken cancellationToken)
    {
        if (!CatalogSku.IsValid(sku)) return (null, Problems.InvalidSku(sku));
        if (CheckParameters(limit, minScore, options) is { } problem) return (null, problem);

        var model = models.Active;
        var inCategory = sameCategory ?? true;
        var threshold = thresholds.Current;
        var wanted = limit ?? options.DefaultLimit;
        // Reviewed pairs win over the model (the statement reads the verdicts): a rejected product
        // never appears, a confirmed one is a variant whatever it scores. With a verifier the store
        // finds the nearest VariantRanking.Candidates, and the ranking decides which come first.
        var (fetch, storeMinScore) = VariantRanking.StoreRequest(model, wanted, minScore, variantsOnly, threshold);
        var found = await store.FindVariantsAsync(VariantQuery.OfProduct(sku, inCategory, fetch, storeMinScore), model, cancellationToken);
        if (found.Product == QueryProductState.Unknown) return (null, Problems.UnknownSku(sku));
        if (found.Product == QueryProductState.NotEmbedded) return (null, Problems.NotEmbeddedYet(sku, model.Name));

        var category = inCategory ? found.ProductCategory : null;
        var variants = new ProductVariants(sku, found.ProductCategory, category, model, threshold, found.Hits, found.ProductSwatch, decision.SameColourMaxDeltaE,
            thresholds.DecidingVerifier);
        return (variants with { Hits = VariantRanking.Answer(found.Hits, model, thresholds, found.ProductSwatch, wanted, variantsOnly, variants.IsVariant) }, null);
    }

    /// <summary>
    /// Without a verifier, variantsOnly=true is minScore at the threshold: the same query, and since
    /// both compare rounded scores, exactly the items that <see cref="IsVariant(VariantHit, double)"/> calls variants.
    /// </summary>
    public static double? MinScore(double? minScore, bool variantsOnly, double threshold) =>
        variantsOnly ? Math.Max(minScore ?? -1, threshold) : minScore;

    /// <summary>
    /// The model's decision on one hit: with a deciding verifier (and the hit ranked by it), its
    /// probability at or above the verifier's threshold and another colour than the query (the same
    /// colour is a duplicate, never a variant); else its rounded score at or above the score threshold.
    /// </summary>
    public static bool IsVariant(VariantHit hit, double threshold, VariantVerifier? verifier, Swatch? query, double sameColourMaxDeltaE) =>
        verifier is not null && hit.Probability is { } probability
            ? probability >= verifier.Threshold && !SameColour(query, hit.Swatch, sameColourMaxDeltaE)
            : IsVariant(hit, threshold);

    /// <summary>The score threshold's decision on one hit: its rounded score at or above it.</summary>
    public static bool IsVariant(VariantHit hit, double threshold) => hit.Score >= threshold;

    /// <summary>The decision on a hit of this product's: a confirmed pair always, else the model's.</summary>
    public bool IsVariant(VariantHit hit) => hit.Review == Verdict.Confirmed || IsVariant(hit, Threshold, Verifier, ProductSwatch, SameColourMaxDeltaE);

    /// <summary>
    /// A hit in this product's variant group (or confirmed with it) whose swatch is within
    /// <see cref="SameColourMaxDeltaE"/> of the product's: the same design in the same colour,
    /// usually a duplicate listing rather than a colour variant, so a catalog team sees it apart.
    /// </summary>
    public bool IsSameColour(VariantHit hit) =>
        (hit.InQueryGroup || hit.Review == Verdict.Confirmed) && SameColour(ProductSwatch, hit.Swatch, SameColourMaxDeltaE);

    /// <summary>Both swatches known and at most <paramref name="maxDeltaE"/> apart in CIEDE2000.</summary>
    public static bool SameColour(Swatch? a, Swatch? b, double maxDeltaE) => a is not null && b is not null && a.Difference(b) <= maxDeltaE;

    /// <summary>The parameters every ranking endpoint takes; null when they are fine.</summary>
    public static ProblemHttpResult? CheckParameters(int? limit, double? minScore, SearchOptions options)
    {
        if (limit is not null && (limit < 1 || limit > options.MaxLimit))
            return Problems.BadParameter("limit", $"'limit' must be between 1 and {options.MaxLimit}.");
        if (minScore is not null && (double.IsNaN(minScore.Value) || minScore < -1 || minScore > 1))
            return Problems.BadParameter("minScore", "'minScore' must be between -1 and 1.");
        return null;
    }
}
