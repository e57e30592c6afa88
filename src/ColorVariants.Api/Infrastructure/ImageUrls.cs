namespace ColorVariants.Api.Infrastructure;

public static class ImageUrls
{
    /// <summary>
    /// URL of a product's image, relative to the service (path base included). Never absolute:
    /// the request's Host header is the client's to choose, and copied into the answer it let
    /// anyone make the service (and caches in front of it) hand out links to another site. The
    /// content hash in the query (<see cref="Version"/>) makes the URL change with the image, so
    /// clients and proxies may cache each URL for good.
    /// </summary>
    public static string For(HttpRequest request, string sku, byte[] sha256) =>
        $"{request.PathBase}/products/{Uri.EscapeDataString(sku)}/image?v={Version(sha256)}";

    /// <summary>The <c>v</c> of an image URL: the first 8 bytes of its SHA-256, in hex.</summary>
    public static string Version(byte[] sha256) => Convert.ToHexStringLower(sha256.AsSpan(0, 8));
}
