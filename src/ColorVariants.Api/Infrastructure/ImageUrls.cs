namespace ColorVariants.Api.Infrastructure;

public static class ImageUrls
{
    /// <summary>
    /// Absolute URL of a product's image. The content hash in the query makes the URL change with
    /// the image, so clients and proxies may cache each URL for good.
    /// </summary>
    public static string For(HttpRequest request, string sku, byte[] sha256) =>
        $"{request.Scheme}://{request.Host}{request.PathBase}/products/{Uri.EscapeDataString(sku)}/image?v={Convert.ToHexStringLower(sha256.AsSpan(0, 8))}";
}
