using ColorVariants.Core.Images;
using Npgsql;

namespace ColorVariants.Api.Storage;

/// <summary>The swatch backfill's batches: products stored before swatches existed (migration 0006), whose swatch is still NULL.</summary>
public sealed partial class CatalogStore
{
    public async Task<int> CountWithoutSwatchAsync(CancellationToken cancellationToken)
    {
        await using var command = _writes.CreateCommand("SELECT count(*) FROM products WHERE swatch_hex IS NULL");
        return (int)(long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <param name="after">The last sku of the previous batch (keyset paging over the partial index); null for the first.</param>
    /// <param name="skipped">Products whose stored image no longer decodes, left out.</param>
    public async Task<List<PendingImage>> NextWithoutSwatchAsync(string? after, IReadOnlyCollection<string> skipped, int size, CancellationToken cancellationToken)
    {
        await using var command = _writes.CreateCommand("""
            SELECT p.sku, p.image_sha256, i.content FROM products p JOIN images i ON i.sha256 = p.image_sha256
            WHERE p.swatch_hex IS NULL AND (@after::text IS NULL OR p.sku > @after) AND p.sku <> ALL (@skipped)
            ORDER BY p.sku LIMIT @size
            """);
        command.Parameters.Add(new NpgsqlParameter("after", NpgsqlTypes.NpgsqlDbType.Text) { Value = (object?)after ?? DBNull.Value });
        command.Parameters.AddWithValue("skipped", skipped.ToArray());
        command.Parameters.AddWithValue("size", size);
        var batch = new List<PendingImage>(size);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            batch.Add(new PendingImage(reader.GetString(0), reader.GetFieldValue<byte[]>(1), reader.GetFieldValue<byte[]>(2)));
        return batch;
    }

    /// <summary>Stores a backfilled swatch, only while the product still has that image and no swatch (an upload meanwhile wrote its own).</summary>
    public async Task StoreSwatchAsync(PendingImage item, Swatch swatch, CancellationToken cancellationToken)
    {
        await using var command = _writes.CreateCommand("""
            UPDATE products SET swatch_hex = @hex, swatch_name = @name
            WHERE sku = @sku AND image_sha256 = @sha AND swatch_hex IS NULL
            """);
        command.Parameters.AddWithValue("hex", swatch.Hex);
        command.Parameters.AddWithValue("name", swatch.Name);
        command.Parameters.AddWithValue("sku", item.Sku);
        command.Parameters.AddWithValue("sha", item.ImageSha256);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
