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

    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/healthz", new() { Predicate = _ => false }).WithTags("Health");
        app.MapHealthChecks("/readyz", new() { Predicate = check => check.Tags.Contains(Ready) }).WithTags("Health");
        return app;
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
