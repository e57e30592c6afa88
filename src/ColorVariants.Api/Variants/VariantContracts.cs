namespace ColorVariants.Api.Variants;

/// <summary>One colour variant, best first in the list that holds it.</summary>
/// <param name="Score">Cosine similarity of the two products' embeddings, 1 for identical.</param>
public sealed record VariantResponse(string Sku, double Score, string? Category, string? Name, string? Colour, string ImageUrl);

/// <summary>The colour variants of a catalog product.</summary>
public sealed record VariantsResponse(string Sku, string? Category, string Model, IReadOnlyList<VariantResponse> Variants);

/// <summary>The catalog products that are colour variants of a posted image.</summary>
public sealed record SearchResponse(string Model, string? Category, IReadOnlyList<VariantResponse> Variants);
