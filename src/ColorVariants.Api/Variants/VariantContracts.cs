using ColorVariants.Core.Images;

namespace ColorVariants.Api.Variants;

/// <summary>One colour variant, best first in the list that holds it.</summary>
/// <param name="Score">Cosine similarity of the two products' embeddings, 1 for identical.</param>
/// <param name="IsVariant">The decision: a reviewer confirmed the pair; or, when the model has a verifier, its probability reaches the verifier's threshold and the swatches differ (the same colour is a duplicate); else the score is at or above the model's variant threshold (GET /models/active says which and why).</param>
/// <param name="Reviewed">`confirmed` when a reviewer confirmed the pair (rejected pairs never appear); null when not reviewed.</param>
/// <param name="Swatch">The item's dominant garment colour (`hex`, `name`); null for a product stored before swatches until the backfill reaches it.</param>
/// <param name="SameColour">The item is in the query product's variant group (or confirmed with it) and its swatch is within Variants:SameColourMaxDeltaE (CIEDE2000) of the query's: usually a duplicate listing, not a colour variant. Always false for a search by image.</param>
/// <param name="Probability">The model's verifier: how likely the item is a colour variant (0-1; 1 for a confirmed pair). Items are ranked by it, best first. Null when the model has no verifier (then by score).</param>
public sealed record VariantResponse(string Sku, double Score, bool IsVariant, string? Category, string? Name, string? Colour, string ImageUrl, string? Reviewed = null,
    Swatch? Swatch = null, bool SameColour = false, double? Probability = null);

/// <summary>The colour variants of a catalog product: its nearest products, each with the decision.</summary>
/// <param name="VariantThreshold">The score from which an item is called a variant.</param>
/// <param name="Swatch">The query product's swatch.</param>
public sealed record VariantsResponse(string Sku, string? Category, Swatch? Swatch, string Model, double VariantThreshold, IReadOnlyList<VariantResponse> Variants);

/// <summary>The catalog products nearest to a posted image, each with the decision.</summary>
public sealed record SearchResponse(string Model, string? Category, double VariantThreshold, IReadOnlyList<VariantResponse> Variants);
