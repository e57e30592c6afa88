using ColorVariants.Api.Models;
using Npgsql;

namespace ColorVariants.Api.Storage;

/// <summary>A product whose current image has no vector of the active model yet.</summary>
public sealed record PendingImage(string Sku, byte[] ImageSha256, byte[] Image);

/// <summary>Re-embedding batches: the products a model change left without a vector of the active model.</summary>
public sealed partial class CatalogStore
{
    private static string LacksVector(ActiveModel model) =>
        $"NOT EXISTS (SELECT 1 FROM embeddings e WHERE e.{ModelFilter(model)} AND e.sku = p.sku AND e.image_sha256 = p.image_sha256)";

    public async Task<int> CountPendingAsync(ActiveModel model, CancellationToken cancellationToken)
    {
        await using var command = _writes.CreateCommand($"SELECT count(*) FROM products p WHERE {LacksVector(model)}");
        return (int)(long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <param name="skipped">Products whose image no longer passes intake, left out of later batches.</param>
    public async Task<List<PendingImage>> NextPendingBatchAsync(ActiveModel model, IReadOnlyCollection<string> skipped, int size, CancellationToken cancellationToken)
    {
        await using var command = _writes.CreateCommand($"""
            SELECT p.sku, p.image_sha256, i.content FROM products p JOIN images i ON i.sha256 = p.image_sha256
            WHERE {LacksVector(model)} AND p.sku <> ALL (@skipped)
            ORDER BY p.sku LIMIT @size
            """);
        command.Parameters.AddWithValue("skipped", skipped.ToArray());
        command.Parameters.AddWithValue("size", size);
        var batch = new List<PendingImage>(size);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            batch.Add(new PendingImage(reader.GetString(0), reader.GetFieldValue<byte[]>(1), reader.GetFieldValue<byte[]>(2)));
        return batch;
    }

    /// <summary>
    /// Stores the vector only if the product still has the image it was made from: the raw one,
    /// and the searchable one under the model's current whitening (checked in this transaction).
    /// </summary>
    public async Task StoreReembeddedAsync(ActiveModel model, PendingImage item, float[] raw, CancellationToken cancellationToken)
    {
        await using var connection = await _writes.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var vector = await ProjectForWriteAsync(connection, transaction, model, raw, cancellationToken);
        await using var command = new NpgsqlCommand(UpsertEmbedding(model), connection, transaction);
        AddSlotVectors(command, vector);
        command.Parameters.AddWithValue("raw", ToHalfVector(raw));
        command.Parameters.AddWithValue("sku", item.Sku);
        command.Parameters.AddWithValue("sha", item.ImageSha256);
        await command.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }
}
