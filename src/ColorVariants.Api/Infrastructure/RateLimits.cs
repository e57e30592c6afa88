using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace ColorVariants.Api.Infrastructure;

public static class RateLimits
{
    /// <summary>
    /// Bounds uploads in flight: each holds its image and a float tensor in memory while it waits
    /// for inference. Past the queue a client gets 429 and retries later.
    /// </summary>
    public const string Uploads = "uploads";

    public static IServiceCollection AddColorVariantsRateLimits(this IServiceCollection services)
    {
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<UploadOptions>>((limiter, uploads) =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.AddConcurrencyLimiter(Uploads, o =>
            {
                o.PermitLimit = uploads.Value.MaxConcurrentUploads;
                o.QueueLimit = uploads.Value.UploadQueueLimit;
                o.QueueProcessingOrder = QueueProcessingOrder.OldestFirst;
            });
            limiter.OnRejected = async (context, cancellationToken) =>
            {
                var problems = context.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>();
                context.HttpContext.Response.Headers.RetryAfter = "1";
                await problems.WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = context.HttpContext,
                    ProblemDetails = { Status = StatusCodes.Status429TooManyRequests, Title = "Too many uploads at once", Detail = "Retry after a second." },
                });
            };
        });
        return services;
    }
}
