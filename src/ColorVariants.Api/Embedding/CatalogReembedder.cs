using ColorVariants.Api.Infrastructure;
using ColorVariants.Api.Models;
using ColorVariants.Api.Storage;
using ColorVariants.Core.Images;
using Microsoft.Extensions.Options;

namespace ColorVariants.Api.Embedding;

/// <summary>
/// Embeds every product that has no vector of the active model for its current image: the catalog
/// follows whatever model the service is configured to serve. Uploads embed inline, so this only
/// has work after a model change (or an interrupted run). Then it builds the model's index if it is
/// missing (<see cref="CatalogStore.EnsureIndexAsync"/>). Run by Maintenance CatalogMaintenance at start-up.
/// </summary>
public sealed class CatalogReembedder(
    CatalogStore store,
    ImageEmbedder embedder,
    ServedModel models,
    ServiceMetrics metrics,
    IOptions<EmbeddingOptions> options,
    ILogger<CatalogReembedder> logger)
{
    private ReembedStatus _status = new(0, 0, 0, Running: true);

    /// <summary>Where the current run stands; every change also goes to the re-embedding meters.</summary>
    public ReembedStatus Status
    {
        get => _status;
        private set
        {
            _status = value;
            metrics.ReembeddingProgress(value.Done, value.Total);
        }
    }

    /// <summary>Images the intake rejects, left out of later rounds (and later runs after a failure).</summary>
    private readonly List<string> _failed = [];

    /// <summary>Runs until the catalog is embedded, resuming after a failure (<see cref="ResumingWork"/>).</summary>
    /// <returns>How many products it embedded.</returns>
    public async Task<int> RunAsync(CancellationToken stoppingToken)
    {
        await ResumingWork.RunAsync(RoundAsync, (e, pause) =>
        {
            logger.LogError(e, "Re-embedding failed after {Done} of {Total} products; it resumes in {Seconds} s, and the service goes on answering.",
                Status.Done, Status.Total, pause.TotalSeconds);
            Status = Status with { LastError = e.Message, Resumed = Status.Resumed + 1 };
        }, stoppingToken);
        return Status.Done;
    }

    private async Task RoundAsync(CancellationToken stoppingToken)
    {
        var model = models.Active;
        var pending = await store.CountPendingAsync(model, stoppingToken);
        Status = Status with { Total = Status.Done + pending, Running = pending > 0 };
        if (pending > 0) logger.LogInformation("Re-embedding {Count} products for model {Model}.", pending, model.Name);

        while (!stoppingToken.IsCancellationRequested)
        {
            var batch = await store.NextPendingBatchAsync(model, _failed, options.Value.ReembedBatchSize, stoppingToken);
            if (batch.Count == 0) break;
            var results = await Task.WhenAll(batch.Select(async item =>
            {
                try
                {
                    return (item, vector: (await embedder.EmbedAsync(item.Image, readSwatch: false, stoppingToken)).Raw);
                }
                catch (ImageRejectedException e)
                {
                    logger.LogWarning("Product {Sku}: its stored image no longer passes intake ({Reason}); left without a vector.", item.Sku, e.Message);
                    return (item, vector: (float[]?)null);
                }
            }));
            foreach (var (item, vector) in results)
            {
                if (vector is null)
                {
                    _failed.Add(item.Sku);
                    Status = Status with { Failed = _failed.Count };
                    continue;
                }
                await store.StoreReembeddedAsync(model, item, vector, stoppingToken);
                Status = Status with { Done = Status.Done + 1 };
            }
            if (Status.Done % 1000 < batch.Count) logger.LogInformation("Re-embedded {Done} of {Total} products.", Status.Done, Status.Total);
        }
        Status = Status with { Running = false, LastError = null };
        if (pending > 0) logger.LogInformation("Re-embedding done: {Done} embedded, {Failed} failed.", Status.Done, Status.Failed);
        // Last: an HNSW index is built faster over the vectors than updated with each of them.
        await store.EnsureIndexAsync(model, stoppingToken);
    }
}

/// <param name="LastError">Why the last round stopped, while it waits to resume; null once a round went through.</param>
/// <param name="Resumed">How many times a round stopped by a failure was resumed.</param>
public sealed record ReembedStatus(int Total, int Done, int Failed, bool Running, string? LastError = null, int Resumed = 0);
