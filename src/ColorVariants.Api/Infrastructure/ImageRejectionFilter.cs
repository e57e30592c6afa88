using ColorVariants.Core.Images;

namespace ColorVariants.Api.Infrastructure;

/// <summary>Turns an image the intake rejects, wherever in the handler, into its problem answer (413, 415 or 422).</summary>
public sealed class ImageRejectionFilter : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context);
        }
        catch (ImageRejectedException rejection)
        {
            return Problems.Image(rejection);
        }
    }
}
