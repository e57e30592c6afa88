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

    /// <summary>How many of the nearest to ask the store for, to answer <paramref name="limit"/>.</summary>
    public static int Fetch(ActiveModel model, int limit) => model.Verifier is null ? limit : Math.Max(limit, Candidates);

    /// <summary>
    /// The hits best first, each with its verifier probability (null without a verifier); a confirmed
    /// pair counts as certain. Not yet cut to a limit: the caller filters (variantsOnly) and cuts.
    /// </summary>
    /// <param name="chance">The catalog's chance scores under its whitening, and how many vectors that whitening
    /// was fitted on (<see cref="VariantThresholds.VerifierChance"/>); null: no verifier yet.</param>
    public static IReadOnlyList<VariantHit> Rank(IReadOnlyList<VariantHit> hits, ActiveModel model, (ChanceScores Scores, int CatalogSize)? chance, Swatch? query)
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
