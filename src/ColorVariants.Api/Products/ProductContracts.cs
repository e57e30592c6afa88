using ColorVariants.Core.Images;

namespace ColorVariants.Api.Products;

/// <summary>A catalog product as the API returns it.</summary>
/// <param name="Swatch">Its dominant garment colour (`hex` #rrggbb, plain `name`), read from its image at intake; null for a product stored before swatches until the background backfill reaches it.</param>
/// <param name="GroupId">Its variant group under the active model (GET /groups/{id}); on GET only, null until its category is grouped.</param>
public sealed record ProductResponse(
    string Sku,
    string? Category,
    string? Name,
    string? Colour,
    IReadOnlyDictionary<string, string> Attributes,
    string ImageUrl,
    ImageResponse Image,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    Swatch? Swatch,
    string? GroupId = null);

/// <summary>The stored image: content hash (also its ETag), type and size.</summary>
public sealed record ImageResponse(string Sha256, string MediaType, int Width, int Height, long Bytes);
