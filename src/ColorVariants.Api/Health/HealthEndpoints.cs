using ColorVariants.Api.Models;
using ColorVariants.Api.Storage;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace ColorVariants.Api.Health;

/// <summary>/healthz: the process is up. /readyz: the database answers and the model is loaded and registered.</summary>
public static class HealthEndpoints
{
    private const string Ready = "ready";

    public static IServiceCollection AddColorVariantsHealthChecks(this IServiceCollection services)
    {
        services.AddHealthChecks()
            .AddCheck<DatabaseCheck>("database", tags: [Ready])
            .AddCheck<ModelCheck>("model", tags: [Ready]);
        return services;
    }

    /// <summary>
    /// Minimal API routes over the health checks (not MapHealthChecks, whose endpoints OpenAPI does
    /// not see), answering as the health-check middleware does: the status as text, 200 when
    /// healthy or degraded, 503 when unhealthy, never cached.
    /// </summary>
    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("").WithTags("Health");
        group.MapGet("/healthz", (HealthCheckService health, HttpContext context, CancellationToken cancellationToken) =>
                AnswerAsync(health, _ => false, context, cancellationToken))
            .WithName("Healthz")
            .WithSummary("Liveness: the process is up")
            .WithDescription("Always `Healthy` (200) while the process serves requests; checks nothing else.")
            .Produces<string>(StatusCodes.Status200OK, "text/plain");
        group.MapGet("/readyz", (HealthCheckService health, HttpContext context, CancellationToken cancellationToken) =>
                AnswerAsync(health, check => check.Tags.Contains(Ready), context, cancellationToken))
            .WithName("Readyz")
            .WithSummary("Readiness: the database answers and the model is loaded and registered")
            .WithDescription("`Healthy` (200) when the service can answer data requests, `Unhealthy` (503) otherwise, e.g. while PostgreSQL is down or at first start.")
            .Produces<string>(StatusCodes.Status200OK, "text/plain")
            .Produces<string>(StatusCodes.Status503ServiceUnavailable, "text/plain");
        return app;
    }

    private static async Task<IResult> AnswerAsync(HealthCheckService health, Func<HealthCheckRegistration, bool> predicate,
        HttpContext context, CancellationToken cancellationToken)
    {
        var report = await health.CheckHealthAsync(predicate, cancellationToken);
        var headers = context.Response.Headers;
        headers.CacheControl = "no-store, no-cache";
        headers.Pragma = "no-cache";
        headers.Expires = "Thu, 01 Jan 1970 00:00:00 GMT";
        return TypedResults.Text(report.Status.ToString(), "text/plain",
            statusCode: report.Status == HealthStatus.Unhealthy ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK);
    }

    private sealed class DatabaseCheck(CatalogStore store) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken)
        {
            try
            {
                await store.PingAsync(cancellationToken);
                return HealthCheckResult.Healthy();
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                return HealthCheckResult.Unhealthy("The database does not answer.", e);
            }
        }
    }

    private sealed class ModelCheck(ServedModel models) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken) =>
            Task.FromResult(models.IsRegistered
                ? HealthCheckResult.Healthy($"Model {models.Active.Name} is active.")
                : HealthCheckResult.Unhealthy("The model is not loaded and registered yet."));
    }
}
