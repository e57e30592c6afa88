using ColorVariants.Api.Infrastructure;
using ColorVariants.Api.Models;
using ColorVariants.Api.Storage;
using ColorVariants.Core.Images;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ColorVariants.Api.Embedding;

/// <summary>
/// After start-up, embeds every product that has no vector of the active model for its current
/// image: the catalog follows whatever model the service is configured to serve. Uploads embed
/// inline, so this only has work after a model change (or an interrupted run). Then it builds the
/// model's index if it is missing (<see cref="ModelRegistry.EnsureIndexAsync"/>).
/// </summary>
public sealed class CatalogReembedder(
    NpgsqlDataSource dataSource,
    ImageEmbedder embedder,
    ModelRegistry models,
    ActiveWhitening whitening,
    CatalogStartup startup,
    IOptions<EmbeddingOptions> options,
    ILogger<CatalogReembedder> logger) : BackgroundService
{
    public ReembedStatus Status { get; private set; } = new(0, 0, 0, Running: true);

    /// <summary>Images the intake rejects, left out of later rounds (and later runs after a failure).</summary>
    private readonly List<string> _failed = [];

    /// <summary>
    /// Runs until the catalog is embedded. A failure (the database gone, a statement refused) is
    /// logged and the run resumes after a growing pause: an exception out of here would stop the
    /// host (BackgroundServiceExceptionBehavior.StopHost), and with it a service that can still answer.
    /// </summary>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await startup.Completed.WaitAsync(stoppingToken);
        for (var failures = 0; ; failures++)
        {
            try
            {
                await RunAsync(stoppingToken);
                return;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                var pause = RetryPause(failures);
                logger.LogError(e, "Re-embedding failed after {Done} of {Total} products; it resumes in {Seconds} s, and the service goes on answering.",
                    Status.Done, Status.Total, pause.TotalSeconds);
                Status = Status with { LastError = e.Message };
                try
                {
                    await Task.Delay(pause, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>1, 2, 4 … seconds, at most a minute.</summary>
    private static TimeSpan RetryPause(int failures) => TimeSpan.FromSeconds(Math.Min(60, 1 << Math.Min(failures, 6)));

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        var model = models.Active;
        var pending = await CountPendingAsync(model, stoppingToken);
        Status = Status with { Total = Status.Done + pending, Running = pending > 0 };
        if (pending > 0) logger.LogInformation("Re-embedding {Count} products for model {Model}.", pending, model.Name);

        while (!stoppingToken.IsCancellationRequested)
        {
            var batch = await NextBatchAsync(model, _failed, options.Value.ReembedBatchSize, stoppingToken);
            if (batch.Count == 0) break;
            var results = await Task.WhenAll(batch.Select(async item =>
            {
                try
                {
                    return (item, vector: await embedder.EmbedAsync(item.Image, stoppingToken));
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
                await StoreAsync(model, item, vector, stoppingToken);
                Status = Status with { Done = Status.Done + 1 };
            }
            if (Status.Done % 1000 < batch.Count) logger.LogInformation("Re-embedded {Done} of {Total} products.", Status.Done, Status.Total);
        }
        Status = Status with { Running = false, LastError = null };
        if (pending > 0) logger.LogInformation("Re-embedding done: {Done} embedded, {Failed} failed.", Status.Done, Status.Failed);
        // Last: an HNSW index is built faster over the vectors than updated with each of them.
        await models.EnsureIndexAsync(model, stoppingToken);
    }

    private sealed record Pending(string Sku, byte[] ImageSha256, byte[] Image);

    private async Task<int> CountPendingAsync(ActiveModel model, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT count(*) FROM products p
            WHERE NOT EXISTS (SELECT 1 FROM embeddings e WHERE e.{model.Filter} AND e.sku = p.sku AND e.image_sha256 = p.image_sha256)
            """);
        return (int)(long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private async Task<List<Pending>> NextBatchAsync(ActiveModel model, List<string> failed, int size, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT p.sku, p.image_sha256, i.content FROM products p JOIN images i ON i.sha256 = p.image_sha256
            WHERE NOT EXISTS (SELECT 1 FROM embeddings e WHERE e.{model.Filter} AND e.sku = p.sku AND e.image_sha256 = p.image_sha256)
              AND p.sku <> ALL (@failed)
            ORDER BY p.sku LIMIT @size
            """);
        command.Parameters.AddWithValue("failed", failed.ToArray());
        command.Parameters.AddWithValue("size", size);
        var batch = new List<Pending>(size);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            batch.Add(new Pending(reader.GetString(0), reader.GetFieldValue<byte[]>(1), reader.GetFieldValue<byte[]>(2)));
        return batch;
    }

    /// <summary>
    /// Stores the vector only if the product still has the image it was made from: the raw one,
    /// and the searchable one under the model's current whitening (checked in this transaction).
    /// </summary>
    private async Task StoreAsync(ActiveModel model, Pending item, float[] raw, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var vector = await whitening.ProjectForWriteAsync(connection, transaction, model, raw, cancellationToken);
        await using var command = new NpgsqlCommand($"""
            INSERT INTO embeddings (model_id, sku, image_sha256, category, embedding, raw)
            SELECT {model.Id}, p.sku, p.image_sha256, p.category, @embedding, @raw FROM products p
            WHERE p.sku = @sku AND p.image_sha256 = @sha
            ON CONFLICT (model_id, sku) DO UPDATE SET image_sha256 = EXCLUDED.image_sha256, category = EXCLUDED.category,
                embedding = EXCLUDED.embedding, raw = EXCLUDED.raw
            """, connection, transaction);
        command.Parameters.AddWithValue("embedding", ProductStore.ToHalfVector(vector));
        command.Parameters.AddWithValue("raw", ProductStore.ToHalfVector(raw));
        command.Parameters.AddWithValue("sku", item.Sku);
        command.Parameters.AddWithValue("sha", item.ImageSha256);
        await command.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }
}

/// <param name="LastError">Why the last round stopped, while it waits to resume; null once a round went through.</param>
public sealed record ReembedStatus(int Total, int Done, int Failed, bool Running, string? LastError = null);
