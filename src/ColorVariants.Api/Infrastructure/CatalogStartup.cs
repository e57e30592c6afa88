using ColorVariants.Api.Embedding;
using ColorVariants.Api.Models;
using ColorVariants.Api.Storage;
using ColorVariants.Api.Variants;

namespace ColorVariants.Api.Infrastructure;

/// <summary>
/// Runs before the server takes requests: loads the model (building the session), migrates the
/// database, registers the model as the active one and reads its variant threshold. The database may still be starting
/// (containers), so it is retried for a while before start-up fails.
/// </summary>
public sealed class CatalogStartup(
    ImageEmbedder embedder,
    DatabaseMigrator migrator,
    CatalogStore store,
    ServedModel models,
    VariantThresholds thresholds,
    Microsoft.Extensions.Options.IOptions<VariantDecisionOptions> decision,
    ILogger<CatalogStartup> logger) : IHostedService
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly TaskCompletionSource _completed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Completed => _completed.Task;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            try
            {
                await migrator.MigrateAsync(cancellationToken);
                var registered = await store.RegisterModelAsync(embedder.Model, cancellationToken);
                // Variants:UseVerifier=false serves the model's score order and threshold alone.
                models.Registered(decision.Value.UseVerifier ? registered : registered with { Verifier = null });
                await thresholds.LoadAsync(cancellationToken);
                _completed.TrySetResult();
                return;
            }
            catch (Exception e) when (ErrorHandling.IsDatabaseUnavailable(e) && DateTime.UtcNow < deadline)
            {
                logger.LogWarning("The database is not reachable yet ({Message}); retrying.", e.Message);
                await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
