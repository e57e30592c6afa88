using System.Text.Json;
using ColorVariants.Api.Infrastructure;
using ColorVariants.Api.Models;
using ColorVariants.Api.Variants;
using ColorVariants.Core.Evaluation;
using Npgsql;
using NpgsqlTypes;
using Pgvector;

namespace ColorVariants.Api.Storage;

/// <summary>The variant threshold of a model, and the labelled vectors it is calibrated on.</summary>
public sealed partial class CatalogStore
{
    /// <summary>The model's stored calibration, or null when it has none.</summary>
    public async Task<StoredThreshold?> ReadVariantThresholdAsync(ActiveModel model, CancellationToken cancellationToken)
    {
        await using var command = _writes.CreateCommand($"""
            SELECT variant_threshold, variant_threshold_calibration, variant_threshold_whitening_version
            FROM models WHERE id = {model.Id} AND variant_threshold IS NOT NULL
            """);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken)) return null;
        var calibration = JsonSerializer.Deserialize(reader.GetString(1), ApiJsonContext.Default.ThresholdCalibration)!;
        return new StoredThreshold(reader.GetDouble(0), calibration, reader.GetInt32(2));
    }

    public async Task SaveVariantThresholdAsync(ActiveModel model, StoredThreshold threshold, CancellationToken cancellationToken)
    {
        await using var command = _writes.CreateCommand($"""
            UPDATE models SET variant_threshold = @threshold, variant_threshold_calibration = @calibration,
                variant_threshold_whitening_version = @version
            WHERE id = {model.Id}
            """);
        command.Parameters.AddWithValue("threshold", threshold.Score);
        command.Parameters.AddWithValue("calibration", NpgsqlDbType.Jsonb, JsonSerializer.Serialize(threshold.Calibration, ApiJsonContext.Default.ThresholdCalibration));
        command.Parameters.AddWithValue("version", threshold.WhiteningVersion);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// The searchable vectors of the products whose attributes name a <paramref name="labelAttribute"/>
    /// (e.g. the `style` an import carries), with the whitening version they were read under:
    /// what a calibration scores pairs on. Read in one repeatable-read snapshot.
    /// </summary>
    public async Task<(IReadOnlyList<EmbeddedItem> Items, IReadOnlyList<string?> SwatchHex, int WhiteningVersion)> LabelledVectorsAsync(
        ActiveModel model, string labelAttribute, CancellationToken cancellationToken)
    {
        await using var connection = await _writes.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
        int version;
        await using (var read = new NpgsqlCommand($"SELECT whitening_version FROM models WHERE id = {model.Id}", connection, transaction))
            version = (int)(await read.ExecuteScalarAsync(cancellationToken))!;

        var items = new List<EmbeddedItem>();
        var swatches = new List<string?>();
        await using (var command = new NpgsqlCommand($"""
            SELECT p.sku, p.attributes ->> @label, p.category, {ActiveVector(model, "e")}, p.swatch_hex
            FROM products p
            JOIN embeddings e ON e.{ModelFilter(model)} AND e.sku = p.sku AND e.image_sha256 = p.image_sha256
            WHERE p.attributes ? @label AND p.attributes ->> @label <> ''
            ORDER BY p.sku
            """, connection, transaction))
        {
            command.Parameters.AddWithValue("label", labelAttribute);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                items.Add(new EmbeddedItem(reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2),
                    ToFloats(reader.GetFieldValue<HalfVector>(3))));
                swatches.Add(reader.IsDBNull(4) ? null : reader.GetString(4));
            }
        }
        await transaction.CommitAsync(cancellationToken);
        return (items, swatches, version);
    }

    /// <summary>
    /// Up to about <paramref name="limit"/> of the model's searchable vectors, a sample spread over
    /// the whole table (Bernoulli, with a fixed seed: the same rows for the same table), for its
    /// chance scores. Two cheap reads at any size: a count and a sampled scan.
    /// </summary>
    public async Task<IReadOnlyList<float[]>> ChanceSampleAsync(ActiveModel model, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await _reads.OpenConnectionAsync(cancellationToken);
        long count;
        await using (var counting = new NpgsqlCommand($"SELECT count(*) FROM embeddings WHERE {ModelFilter(model)}", connection))
            count = (long)(await counting.ExecuteScalarAsync(cancellationToken))!;
        var vectors = new List<float[]>(limit);
        if (count == 0) return vectors;
        // Some headroom over the limit, so a sample that falls short of its expected size still fills it.
        var percent = Math.Min(100.0, 100.0 * limit * 1.2 / count);
        await using var command = new NpgsqlCommand($"""
            SELECT {ActiveVector(model, "e")} FROM embeddings e TABLESAMPLE BERNOULLI (@percent) REPEATABLE (7)
            WHERE {ModelFilter(model)}
            LIMIT @limit
            """, connection);
        command.Parameters.AddWithValue("percent", percent);
        command.Parameters.AddWithValue("limit", limit);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) vectors.Add(ToFloats(reader.GetFieldValue<HalfVector>(0)));
        return vectors;
    }
}
