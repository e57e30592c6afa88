using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace ColorVariants.Api.Infrastructure;

/// <summary>Guards catalog writes with a shared key (Upload:ApiKey) when one is configured; reads stay open.</summary>
public sealed class ApiKeyFilter(IOptions<UploadOptions> options) : IEndpointFilter
{
    public const string Header = "X-Api-Key";

    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var expected = options.Value.ApiKey;
        if (string.IsNullOrEmpty(expected)) return next(context);
        var given = context.HttpContext.Request.Headers[Header].ToString();
        if (CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(expected)))
            return next(context);
        return ValueTask.FromResult<object?>(TypedResults.Problem(
            $"Catalog writes need the {Header} header with the service's key.",
            statusCode: StatusCodes.Status401Unauthorized, title: "Missing or wrong API key"));
    }
}
