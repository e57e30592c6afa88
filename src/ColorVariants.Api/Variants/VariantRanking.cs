using ColorVariants.Api.Models;
using ColorVariants.Api.Storage;
using ColorVariants.Core.Colour;
using ColorVariants.Core.Evaluation;
using ColorVariants.Core.Images;

namespace ColorVariants.Api.Variants;

/// <summary>
/// The one search policy every ranking endpoint applies to what the store found: with a model that
/// carries a verifier (Core <see cref="VariantVerifier"/>), the nearest <see cref="Candidates"/> by
/// score are re-ranked by the verifier's probability that each is a colour variant, so variants come
/// before lookalikes; without one (or before the catalog's first whitening: the verifier learned on
/// whitened catalogs, <see cref="VariantThresholds.VerifierChance"/>), the score order stands.
/// Reads the image's vectors, the list and the swatches only: never a name or other free text.
/// </summary>
public static class VariantRanking
{
    /// <summary>What the verifier re-ranks: each answer's nearest this many (as `eval --verifier` trained it).</summary>
    public const int Candidates = 50;

    /// <summary>
    /// What to ask the store for, to answer <paramref name="limit"/> items: with a verifier its
    /// <see cref="Candidates"/> nearest (variantsOnly is decided after the ranking); without one the
    /// limit itself, variantsOnly being minScore at the score threshold (<see cref="ProductVariants.MinScore"/>).
    /// </summary>
    public static (int Fetch, double? MinScore) StoreRequest(ActiveModel model, int limit, double? minScore, bool variantsOnly, double threshold) =>
        model.Verifier is null
            ? (limit, ProductVariants.MinScore(minScore, variantsOnly, threshold))
            : (Math.Max(limit, Candidates), minScore);

    /// <summary>
    /// The answer from what the store found: ranked (<see cref="Rank"/>), only the items
    /// <paramref name="isVariant"/> calls variants when <paramref name="variantsOnly"/>, at most <paramref name="limit"/>.
    /// </summary>
    /// <param name="query">The query product's swatch (none for a search by image).</param>
    public static IReadOnlyList<VariantHit> Answer(IReadOnlyList<VariantHit> found, ActiveModel model, VariantThresholds thresholds, Swatch? query,
        int limit, bool variantsOnly, Func<VariantHit, bool> isVariant) =>
        Rank(found, model, thresholds.VerifierChance, query).Where(h => !variantsOnly || isVariant(h)).Take(limit).ToList();

    /// <summary>
    /// The hits best first, each with its verifier probability (null without a verifier); a confirmed
    /// pair counts as certain.
    /// </summary>
    /// <param name="chance">The catalog's chance scores under its whitening, and how many vectors that whitening
    /// was fitted on (<see cref="VariantThresholds.VerifierChance"/>); null: no verifier yet.</param>
    private static IReadOnlyList<VariantHit> Rank(IReadOnlyList<VariantHit> hits, ActiveModel model, (ChanceScores Scores, int CatalogSize)? chance, Swatch? query)
    {
        if (model.Verifier is not { } verifier || chance is not { } catalog || hits.Count == 0) return hits;
        var candidates = hits.Select(h => new VerifierCandidate((float)h.Score, h.BlockScores ?? [(float)h.Score], ColourOf(h.Swatch))).ToList();
        var features = VerifierFeatures.Of(candidates, ColourOf(query), catalog.Scores, catalog.CatalogSize);
        return hits
            .Select((h, i) => h with { Probability = h.Review == Verdict.Confirmed ? 1 : Math.Round(verifier.Probability(features[i]), 4) })
            .OrderByDescending(h => h.Probability).ThenByDescending(h => h.Score).ThenBy(h => h.Sku, StringComparer.Ordinal)
            .ToList();
    }

    private static Lab? ColourOf(Swatch? swatch) => swatch is null ? null : Lab.FromRgb(Swatch.ParseHex(swatch.Hex));
}
