using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace ColorVariants.Api.Infrastructure;

/// <summary>
/// Guards catalog writes with a shared key (Upload:ApiKey) when one is configured; reads stay open.
/// The key is checked by a middleware after routing, before the endpoint binds its parameters: an
/// endpoint filter would run only after the whole multipart body had been read and parsed.
/// </summary>
public static class ApiKeys
{
    public const string Header = "X-Api-Key";

    /// <summary>Endpoint metadata: this endpoint writes the catalog.</summary>
    public sealed class RequiredMetadata
    {
        public static readonly RequiredMetadata Instance = new();
    }

    public static TBuilder RequireApiKey<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(RequiredMetadata.Instance);

    /// <summary>Goes after UseRouting, so the endpoint (and its metadata) is known.</summary>
    public static WebApplication UseApiKeys(this WebApplication app)
    {
        var expected = app.Services.GetRequiredService<IOptions<UploadOptions>>().Value.ApiKey;
        if (string.IsNullOrEmpty(expected))
        {
            app.Logger.LogWarning("Upload:ApiKey is not set: catalog writes are open, anyone who reaches the service can upload and delete products. " +
                                  "Set Upload__ApiKey to require it in the {Header} header.", Header);
            return app;
        }
        var expectedBytes = Encoding.UTF8.GetBytes(expected);
        app.Use(async (context, next) =>
        {
            if (context.GetEndpoint()?.Metadata.GetMetadata<RequiredMetadata>() is null
                || CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(context.Request.Headers[Header].ToString()), expectedBytes))
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
                    Detail = $"Catalog writes need the {Header} header with the service's key.",
                },
            });
        });
        return app;
    }
}
