using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace ColorVariants.Api.Infrastructure;

/// <summary>
/// Guards catalog writes with a shared key (Upload:ApiKey) when one is configured, and, when
/// Search:ApiKey is set, searches by image (which run the model) with that key or the writes' key;
/// other reads stay open. The key is checked by a middleware after routing, before the endpoint
/// binds its parameters: an endpoint filter would run only after the whole multipart body had
/// been read and parsed.
/// </summary>
public static class ApiKeys
{
    public const string Header = "X-Api-Key";

    /// <summary>
    /// The review page's login keeps the key in this cookie (HttpOnly, SameSite=Strict). It counts
    /// only on requests that also carry <see cref="PageHeader"/>: a cross-site form cannot set a
    /// header, and a cross-site script needs a CORS preflight the service never grants, so another
    /// site cannot write with a reviewer's cookie.
    /// </summary>
    public const string Cookie = "cv-api-key";
    public const string PageHeader = "X-Review-Page";

    /// <summary>Whether <paramref name="given"/> is the writes' key, or writes are open.</summary>
    public static bool IsWriteKey(IOptions<UploadOptions> uploads, string? given) =>
        string.IsNullOrEmpty(uploads.Value.ApiKey)
        || (given is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(uploads.Value.ApiKey)));

    /// <summary>Endpoint metadata: this endpoint writes the catalog.</summary>
    public sealed class RequiredMetadata
    {
        public static readonly RequiredMetadata Instance = new();
    }

    /// <summary>Endpoint metadata: this endpoint runs the model for the caller (needs a key when Search:ApiKey is set).</summary>
    public sealed class SearchMetadata
    {
        public static readonly SearchMetadata Instance = new();
    }

    public static TBuilder RequireApiKey<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(RequiredMetadata.Instance);

    public static TBuilder RequireSearchApiKey<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(SearchMetadata.Instance);

    /// <summary>Goes after UseRouting, so the endpoint (and its metadata) is known.</summary>
    public static WebApplication UseApiKeys(this WebApplication app)
    {
        var writeKey = app.Services.GetRequiredService<IOptions<UploadOptions>>().Value.ApiKey;
        var searchKey = app.Services.GetRequiredService<IOptions<SearchOptions>>().Value.ApiKey;
        if (string.IsNullOrEmpty(writeKey))
        {
            app.Logger.LogWarning("Upload:ApiKey is not set: catalog writes are open, anyone who reaches the service can upload and delete products. " +
                                  "Set Upload__ApiKey to require it in the {Header} header.", Header);
        }
        if (string.IsNullOrEmpty(writeKey) && string.IsNullOrEmpty(searchKey)) return app;

        byte[]? writeBytes = string.IsNullOrEmpty(writeKey) ? null : Encoding.UTF8.GetBytes(writeKey);
        byte[]? searchBytes = string.IsNullOrEmpty(searchKey) ? null : Encoding.UTF8.GetBytes(searchKey);
        app.Use(async (context, next) =>
        {
            var metadata = context.GetEndpoint()?.Metadata;
            // Writes need the writes' key; a search needs the search key or the writes' key.
            var (needed, alternative) = metadata?.GetMetadata<RequiredMetadata>() is not null ? (writeBytes, null)
                : metadata?.GetMetadata<SearchMetadata>() is not null && searchBytes is not null ? (searchBytes, writeBytes)
                : (null, (byte[]?)null);
            if (needed is null)
            {
                await next(context);
                return;
            }
            var request = context.Request;
            var given = Encoding.UTF8.GetBytes(request.Headers.ContainsKey(Header) || !request.Headers.ContainsKey(PageHeader)
                ? request.Headers[Header].ToString()
                : request.Cookies[Cookie] ?? "");
            if (CryptographicOperations.FixedTimeEquals(given, needed) || (alternative is not null && CryptographicOperations.FixedTimeEquals(given, alternative)))
            {
                await next(context);
                return;
            }
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                ProblemDetails =
                {
                    Status = StatusCodes.Status401Unauthorized,
                    Title = "Missing or wrong API key",
                    Detail = metadata?.GetMetadata<RequiredMetadata>() is null
                        ? $"Searches by image need the {Header} header with the service's search key."
                        : HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method)
                            ? $"Reading the review verdicts needs the {Header} header with the service's key."
                            : $"Catalog writes need the {Header} header with the service's key.",
                },
            });
        });
        return app;
    }
}
