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
/// inline, so this only has work after a model change (or an interrupted run).
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

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await startup.Completed.WaitAsync(stoppingToken);
        var model = models.Active;
        var failed = new List<string>();
        var pending = await CountPendingAsync(model, stoppingToken);
        Status = new ReembedStatus(pending, 0, 0, Running: pending > 0);
        if (pending > 0) logger.LogInformation("Re-embedding {Count} products for model {Model}.", pending, model.Name);

        while (!stoppingToken.IsCancellationRequested)
        {
            var batch = await NextBatchAsync(model, failed, options.Value.ReembedBatchSize, stoppingToken);
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
                if (vector is null) failed.Add(item.Sku);
                else await StoreAsync(model, item, vector, stoppingToken);
            }
            Status = Status with { Done = Status.Done + results.Count(r => r.vector is not null), Failed = failed.Count };
            if (Status.Done % 1000 < batch.Count) logger.LogInformation("Re-embedded {Done} of {Total} products.", Status.Done, Status.Total);
        }
        Status = Status with { Running = false };
        if (pending > 0) logger.LogInformation("Re-embedding done: {Done} embedded, {Failed} failed.", Status.Done, Status.Failed);
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

public sealed record ReembedStatus(int Total, int Done, int Failed, bool Running);
