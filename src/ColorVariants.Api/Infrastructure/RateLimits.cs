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

    /// <summary>Endpoint metadata: searches by image, limited per client besides the uploads' concurrency bound.</summary>
    public sealed class PerClientSearchMetadata
    {
        public static readonly PerClientSearchMetadata Instance = new();
    }

    public static TBuilder RequirePerClientSearchLimit<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(PerClientSearchMetadata.Instance);

    /// <summary>The client a per-client limit counts for: the remote address (the forwarded one when forwarded headers are enabled).</summary>
    public static string ClientOf(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    public static IServiceCollection AddColorVariantsRateLimits(this IServiceCollection services)
    {
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<UploadOptions>, IOptions<SearchOptions>>((limiter, uploads, search) =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            // The global limiter runs before the endpoint's policy: a search passes both.
            var perMinute = search.Value.SearchesPerClientPerMinute;
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
                perMinute > 0 && context.GetEndpoint()?.Metadata.GetMetadata<PerClientSearchMetadata>() is not null
                    ? RateLimitPartition.GetTokenBucketLimiter(ClientOf(context), _ => new TokenBucketRateLimiterOptions
                    {
                        TokenLimit = perMinute,
                        TokensPerPeriod = Math.Max(1, perMinute / 6),
                        ReplenishmentPeriod = TimeSpan.FromSeconds(perMinute >= 6 ? 10 : 60.0 / perMinute),
                        QueueLimit = 0,
                        AutoReplenishment = true,
                    })
                    : RateLimitPartition.GetNoLimiter(""));
            limiter.AddConcurrencyLimiter(Uploads, o =>
            {
                o.PermitLimit = uploads.Value.MaxConcurrentUploads;
                o.QueueLimit = uploads.Value.UploadQueueLimit;
                o.QueueProcessingOrder = QueueProcessingOrder.OldestFirst;
            });
            limiter.OnRejected = async (context, cancellationToken) =>
            {
                var problems = context.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>();
                var perClient = context.HttpContext.GetEndpoint()?.Metadata.GetMetadata<PerClientSearchMetadata>() is not null
                                && context.Lease.TryGetMetadata(MetadataName.RetryAfter, out _);
                var seconds = perClient && context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)) : 1;
                context.HttpContext.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                await problems.WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = context.HttpContext,
                    ProblemDetails =
                    {
                        Status = StatusCodes.Status429TooManyRequests,
                        Title = perClient ? "Too many searches from this client" : "Too many uploads at once",
                        Detail = perClient ? $"Retry after {seconds} s." : "Retry after a second.",
                    },
                });
            };
        });
        return services;
    }
}
