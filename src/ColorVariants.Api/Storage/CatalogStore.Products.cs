using System.Security.Cryptography;
using System.Text.Json;
using ColorVariants.Api.Models;
using ColorVariants.Core.Images;
using Npgsql;
using NpgsqlTypes;

namespace ColorVariants.Api.Storage;

public sealed record ProductFields(string? Category, string? Name, string? Colour, IReadOnlyDictionary<string, string> Attributes);

/// <param name="Swatch">Its dominant garment colour, read at intake; stored on the product.</param>
public sealed record UploadedImage(byte[] Content, string MediaType, int Width, int Height, Swatch Swatch)
{
    public byte[] Sha256 { get; } = SHA256.HashData(Content);
}

public sealed record StoredProduct(
    string Sku,
    ProductFields Fields,
    byte[] ImageSha256,
    string MediaType,
    int Width,
    int Height,
    long ImageBytes,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    Swatch? Swatch);

public enum UpsertOutcome { Created, Replaced }

/// <summary>Products, their images and their vectors, written together or not at all.</summary>
public sealed partial class CatalogStore
{
    private const string SelectProduct = """
        SELECT p.sku, p.category, p.name, p.colour, p.attributes::text, p.image_sha256, i.media_type, i.width, i.height,
               octet_length(i.content), p.created_at, p.updated_at, p.swatch_hex, p.swatch_name
        FROM products p JOIN images i ON i.sha256 = p.image_sha256
        """;

    /// <summary>
    /// The one statement that stores a product's vectors of a model, for uploads and the
    /// re-embedder alike: only while the product still has the image they were made from, with
    /// the product's category copied so a category-filtered search reads one table.
    /// </summary>
    private static string UpsertEmbedding(ActiveModel model) => $"""
        INSERT INTO embeddings (model_id, sku, image_sha256, category, embedding, embedding_b, raw)
        SELECT {model.Id}, p.sku, p.image_sha256, p.category, @embedding, @embedding_b, @raw FROM products p
        WHERE p.sku = @sku AND p.image_sha256 = @sha
        ON CONFLICT (model_id, sku) DO UPDATE SET image_sha256 = EXCLUDED.image_sha256, category = EXCLUDED.category,
            embedding = EXCLUDED.embedding, embedding_b = EXCLUDED.embedding_b, raw = EXCLUDED.raw
        """;

    public async Task<StoredProduct?> GetProductAsync(string sku, CancellationToken cancellationToken) =>
        await GetProductAsync(_reads, sku, cancellationToken);

    private static async Task<StoredProduct?> GetProductAsync(NpgsqlDataSource dataSource, string sku, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"{SelectProduct} WHERE p.sku = @sku");
        command.Parameters.AddWithValue("sku", sku);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadProduct(reader) : null;
    }

    /// <summary>
    /// The stored product when it has these fields and this image, and a vector of <paramref name="model"/>:
    /// then an upload has nothing to do. Read from the primary, which has the latest write.
    /// </summary>
    public async Task<StoredProduct?> GetIfUnchangedAsync(string sku, ProductFields fields, byte[] imageSha256, ActiveModel model, CancellationToken cancellationToken)
    {
        var stored = await GetProductAsync(_writes, sku, cancellationToken);
        if (stored is null || !stored.ImageSha256.AsSpan().SequenceEqual(imageSha256) || !SameFields(stored.Fields, fields)) return null;
        await using var command = _writes.CreateCommand($"SELECT 1 FROM embeddings WHERE {ModelFilter(model)} AND sku = @sku AND image_sha256 = @sha");
        command.Parameters.AddWithValue("sku", sku);
        command.Parameters.AddWithValue("sha", imageSha256);
        return await command.ExecuteScalarAsync(cancellationToken) is null ? null : stored;
    }

    public async Task<(byte[] Sha256, string MediaType, byte[] Content)?> GetImageAsync(string sku, CancellationToken cancellationToken)
    {
        await using var command = _reads.CreateCommand(
            "SELECT i.sha256, i.media_type, i.content FROM products p JOIN images i ON i.sha256 = p.image_sha256 WHERE p.sku = @sku");
        command.Parameters.AddWithValue("sku", sku);
        await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, cancellationToken);
        if (!await reader.ReadAsync(cancellationToken)) return null;
        return (reader.GetFieldValue<byte[]>(0), reader.GetString(1), reader.GetFieldValue<byte[]>(2));
    }

    /// <summary>
    /// Inserts or replaces the product with its image and its vector of the active model, in one
    /// transaction. Vectors of other models made from another image are dropped (they would be
    /// stale); the re-embedder recreates them when such a model is activated again.
    /// </summary>
    /// <param name="raw">The model's output; the searchable vector is made from it under the model's current whitening.</param>
    public async Task<(UpsertOutcome Outcome, StoredProduct Product)> UpsertProductAsync(
        string sku, ProductFields fields, UploadedImage image, float[] raw, ActiveModel model, CancellationToken cancellationToken)
    {
        await using var connection = await _writes.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await LockSkuAsync(connection, transaction, sku, cancellationToken);
        // Before any row is written, so a refit waiting for this transaction holds no lock it needs.
        var vector = await ProjectForWriteAsync(connection, transaction, model, raw, cancellationToken);

        // Locks the image row too, so a concurrent orphan clean-up cannot delete it under us.
        await using (var insertImage = new NpgsqlCommand("""
            INSERT INTO images (sha256, media_type, width, height, content) VALUES (@sha, @type, @width, @height, @content)
            ON CONFLICT (sha256) DO UPDATE SET media_type = EXCLUDED.media_type
            """, connection, transaction))
        {
            insertImage.Parameters.AddWithValue("sha", image.Sha256);
            insertImage.Parameters.AddWithValue("type", image.MediaType);
            insertImage.Parameters.AddWithValue("width", image.Width);
            insertImage.Parameters.AddWithValue("height", image.Height);
            insertImage.Parameters.AddWithValue("content", image.Content);
            await insertImage.ExecuteNonQueryAsync(cancellationToken);
        }

        byte[]? previousImage;
        await using (var previous = new NpgsqlCommand("SELECT image_sha256 FROM products WHERE sku = @sku", connection, transaction))
        {
            previous.Parameters.AddWithValue("sku", sku);
            previousImage = await previous.ExecuteScalarAsync(cancellationToken) as byte[];
        }

        await using (var upsert = new NpgsqlCommand($"""
            INSERT INTO products (sku, category, name, colour, attributes, image_sha256, swatch_hex, swatch_name)
            VALUES (@sku, @category, @name, @colour, @attributes, @sha, @swatchHex, @swatchName)
            ON CONFLICT (sku) DO UPDATE SET category = EXCLUDED.category, name = EXCLUDED.name, colour = EXCLUDED.colour,
                attributes = EXCLUDED.attributes, image_sha256 = EXCLUDED.image_sha256, swatch_hex = EXCLUDED.swatch_hex,
                swatch_name = EXCLUDED.swatch_name, updated_at = now();
            {UpsertEmbedding(model)};
            DELETE FROM embeddings WHERE sku = @sku AND model_id <> {model.Id} AND image_sha256 <> @sha;
            UPDATE embeddings SET category = @category WHERE sku = @sku AND model_id <> {model.Id} AND category IS DISTINCT FROM @category;
            """, connection, transaction))
        {
            upsert.Parameters.AddWithValue("sku", sku);
            upsert.Parameters.AddWithValue("category", (object?)fields.Category ?? DBNull.Value);
            upsert.Parameters.AddWithValue("name", (object?)fields.Name ?? DBNull.Value);
            upsert.Parameters.AddWithValue("colour", (object?)fields.Colour ?? DBNull.Value);
            upsert.Parameters.AddWithValue("attributes", NpgsqlDbType.Jsonb, JsonSerializer.Serialize(fields.Attributes));
            upsert.Parameters.AddWithValue("sha", image.Sha256);
            upsert.Parameters.AddWithValue("swatchHex", image.Swatch.Hex);
            upsert.Parameters.AddWithValue("swatchName", image.Swatch.Name);
            AddSlotVectors(upsert, vector);
            upsert.Parameters.AddWithValue("raw", ToHalfVector(raw));
            await upsert.ExecuteNonQueryAsync(cancellationToken);
        }

        if (previousImage is not null && !previousImage.AsSpan().SequenceEqual(image.Sha256))
            await DeleteImageIfOrphanedAsync(connection, transaction, previousImage, cancellationToken);

        StoredProduct stored;
        await using (var read = new NpgsqlCommand($"{SelectProduct} WHERE p.sku = @sku", connection, transaction))
        {
            read.Parameters.AddWithValue("sku", sku);
            await using var reader = await read.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            stored = ReadProduct(reader);
        }
        await transaction.CommitAsync(cancellationToken);
        return (previousImage is null ? UpsertOutcome.Created : UpsertOutcome.Replaced, stored);
    }

    /// <returns>Whether the product was there, and its category (its variant groups change).</returns>
    public async Task<(bool Deleted, string? Category)> DeleteProductAsync(string sku, CancellationToken cancellationToken)
    {
        await using var connection = await _writes.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await LockSkuAsync(connection, transaction, sku, cancellationToken);
        byte[] image;
        string? category;
        await using (var delete = new NpgsqlCommand("DELETE FROM products WHERE sku = @sku RETURNING image_sha256, category", connection, transaction))
        {
            delete.Parameters.AddWithValue("sku", sku);
            await using var reader = await delete.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken)) return (false, null);
            (image, category) = (reader.GetFieldValue<byte[]>(0), reader.IsDBNull(1) ? null : reader.GetString(1));
        }
        await DeleteImageIfOrphanedAsync(connection, transaction, image, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return (true, category);
    }

    /// <summary>
    /// Writers of one sku take turns (a transaction-scoped advisory lock on its hash), so each sees
    /// the product as the previous writer left it: exactly one creates it, and every replaced image
    /// is cleaned up. Writers of different skus do not wait for each other.
    /// </summary>
    private static async Task LockSkuAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sku, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtextextended(@sku, 0))", connection, transaction);
        command.Parameters.AddWithValue("sku", sku);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Drops an image no product uses any more. A product committed meanwhile with the same image
    /// makes the delete fail its foreign key check: then the image is in use, and stays.
    /// </summary>
    private static async Task DeleteImageIfOrphanedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, byte[] sha256, CancellationToken cancellationToken)
    {
        await transaction.SaveAsync("orphan", cancellationToken);
        try
        {
            await using var delete = new NpgsqlCommand(
                "DELETE FROM images WHERE sha256 = @sha AND NOT EXISTS (SELECT 1 FROM products WHERE image_sha256 = @sha)", connection, transaction);
            delete.Parameters.AddWithValue("sha", sha256);
            await delete.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ForeignKeyViolation)
        {
            await transaction.RollbackAsync("orphan", cancellationToken);
        }
    }

    private static StoredProduct ReadProduct(NpgsqlDataReader reader) => new(
        reader.GetString(0),
        new ProductFields(
            reader.IsDBNull(1) ? null : reader.GetString(1),
            reader.IsDBNull(2) ? null : reader.GetString(2),
            reader.IsDBNull(3) ? null : reader.GetString(3),
            JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(4)) ?? []),
        reader.GetFieldValue<byte[]>(5),
        reader.GetString(6),
        reader.GetInt32(7),
        reader.GetInt32(8),
        reader.GetInt32(9),
        reader.GetFieldValue<DateTimeOffset>(10),
        reader.GetFieldValue<DateTimeOffset>(11),
        ReadSwatch(reader, 12));

    /// <summary>The swatch in columns <paramref name="hex"/> and the next (hex, name); null until the backfill reaches a product stored before swatches.</summary>
    private static Swatch? ReadSwatch(NpgsqlDataReader reader, int hex) =>
        reader.IsDBNull(hex) ? null : new Swatch(reader.GetString(hex), reader.GetString(hex + 1));

    private static bool SameFields(ProductFields a, ProductFields b) =>
        a.Category == b.Category && a.Name == b.Name && a.Colour == b.Colour
        && a.Attributes.Count == b.Attributes.Count
        && a.Attributes.All(kv => b.Attributes.TryGetValue(kv.Key, out var v) && v == kv.Value);
}
