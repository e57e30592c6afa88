using ColorVariants.Api.Embedding;
using ColorVariants.Api.Models;
using ColorVariants.Core.Embedding;
using Npgsql;
using Pgvector;

namespace ColorVariants.Api.Storage;

/// <summary>A model's stored whitening as read from its row; <see cref="Bytes"/> is null when it has none.</summary>
public sealed record StoredWhitening(int Version, byte[]? Bytes, int? Samples, DateTimeOffset? FittedAt);

/// <summary>One product as a whitening fit reads it.</summary>
public sealed record WhiteningRow(string Sku, float[] Raw, string? Category, string? SwatchHex);

/// <summary>What a whitening is fitted on: the model's vectors and the confirmed variant pairs among them.</summary>
public sealed record WhiteningInput(IReadOnlyList<WhiteningRow> Rows, IReadOnlyList<(int A, int B)> Confirmed);

/// <summary>What a refit wrote: the new version, the rows re-projected and when.</summary>
public sealed record ReplacedWhitening(int Version, int Rows, DateTimeOffset FittedAt);

/// <summary>
/// The whitening of each model (on its row of `models`) and the raw vectors it is fitted on.
/// The model row is the lock that keeps stored vectors and the stored whitening consistent: a
/// refit holds it FOR UPDATE while it re-projects, every vector writer holds it FOR SHARE.
/// </summary>
public sealed partial class CatalogStore
{
    /// <summary>Rows re-projected per round trip of a refit (keyset pages on the primary key).</summary>
    private const int RefitPageSize = 2000;

    /// <summary>
    /// A refit rewrites every vector of the model, and each rewrite is an HNSW insert: tens of
    /// seconds for a few thousand products on a busy 2-core box, longer for more. It is a background
    /// job stopped by its cancellation token, so its statements have no timeout (0).
    /// </summary>
    private const int RefitTimeoutSeconds = 0;

    /// <summary>
    /// How long a writer waits for a refit in progress (FOR SHARE behind FOR UPDATE) before it fails:
    /// long enough for a refit, instead of Npgsql's 30 s default, which failed uploads during one.
    /// </summary>
    private const int WriterWaitSeconds = 600;

    /// <summary>
    /// The model's whitening as stored: one primary-key read, plus the bytes only when a refit has
    /// replaced the one <see cref="ActiveWhitening"/> holds. From the read source, the one the
    /// searched vectors come from, so a query is whitened as they were.
    /// </summary>
    public async Task<WhiteningSnapshot> CurrentWhiteningAsync(ActiveModel model, CancellationToken cancellationToken)
    {
        var known = whitening.Known;
        await using var connection = await _reads.OpenConnectionAsync(cancellationToken);
        var stored = await ReadWhiteningAsync(connection, null, model, known.Version, forShare: false, cancellationToken);
        return stored is null ? known : whitening.Adopt(stored);
    }

    /// <summary>
    /// In a transaction that is about to store <paramref name="raw"/>'s vector: locks the model row
    /// FOR SHARE, reloads the whitening if a refit has changed it, and returns the searchable vector.
    /// A refit in progress makes this wait for it; a refit that starts later waits for this transaction.
    /// </summary>
    private async Task<float[]> ProjectForWriteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, ActiveModel model, float[] raw, CancellationToken cancellationToken)
    {
        var known = whitening.Known;
        var stored = await ReadWhiteningAsync(connection, transaction, model, known.Version, forShare: true, cancellationToken);
        return (stored is null ? known : whitening.Adopt(stored)).Project(raw);
    }

    /// <returns>The model's whitening, or null when its version is still <paramref name="knownVersion"/> (nothing to reload).</returns>
    private static async Task<StoredWhitening?> ReadWhiteningAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, ActiveModel model, int knownVersion, bool forShare, CancellationToken cancellationToken)
    {
        // The bytes (about 1 MB at 512 dimensions) travel only when the version has moved.
        await using var command = new NpgsqlCommand($"""
            SELECT whitening_version, CASE WHEN whitening_version <> @known THEN whitening END, whitening_samples, whitening_fitted_at
            FROM models WHERE id = {model.Id}{(forShare ? " FOR SHARE" : "")}
            """, connection, transaction);
        if (forShare) command.CommandTimeout = WriterWaitSeconds;
        command.Parameters.AddWithValue("known", knownVersion);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken)) throw new InvalidOperationException($"Model {model.Id} is not registered.");
        var version = reader.GetInt32(0);
        if (version == knownVersion) return null;
        return new StoredWhitening(
            version,
            reader.IsDBNull(1) ? null : reader.GetFieldValue<byte[]>(1),
            reader.IsDBNull(2) ? null : reader.GetInt32(2),
            reader.IsDBNull(3) ? null : reader.GetFieldValue<DateTimeOffset>(3));
    }

    /// <summary>How many vectors the model has: what the refit rule compares with the count of the last fit.</summary>
    public async Task<int> CountVectorsAsync(ActiveModel model, CancellationToken cancellationToken)
    {
        await using var command = _writes.CreateCommand($"SELECT count(*) FROM embeddings WHERE {ModelFilter(model)}");
        return (int)(long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>
    /// What the model's whitening is fitted on (Core VariantWhitening): every raw vector with its
    /// product's category and swatch, in sku order, and the pairs reviewers confirmed as variants,
    /// as indices into those rows. Read without locks: a refit re-projects whatever is there when it commits.
    /// </summary>
    public async Task<WhiteningInput> ReadWhiteningInputAsync(ActiveModel model, CancellationToken cancellationToken)
    {
        var rows = new List<WhiteningRow>();
        await using (var command = _writes.CreateCommand($"""
            SELECT e.sku, e.raw, e.category, p.swatch_hex FROM embeddings e JOIN products p ON p.sku = e.sku
            WHERE e.{ModelFilter(model)} ORDER BY e.sku
            """))
        {
            command.CommandTimeout = RefitTimeoutSeconds;
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add(new WhiteningRow(reader.GetString(0), ToFloats(reader.GetFieldValue<HalfVector>(1)),
                    reader.IsDBNull(2) ? null : reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3)));
            }
        }
        var index = new Dictionary<string, int>(rows.Count, StringComparer.Ordinal);
        for (var i = 0; i < rows.Count; i++) index[rows[i].Sku] = i;
        var confirmed = new List<(int, int)>();
        await using (var command = _writes.CreateCommand("SELECT sku_a, sku_b FROM reviews WHERE verdict = 'confirmed' ORDER BY id"))
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                if (index.TryGetValue(reader.GetString(0), out var a) && index.TryGetValue(reader.GetString(1), out var b)) confirmed.Add((a, b));
            }
        }
        return new WhiteningInput(rows, confirmed);
    }

    /// <summary>
    /// Stores <paramref name="fitted"/> as the model's whitening and re-projects every vector of the
    /// model from its raw one, in one transaction holding the model row FOR UPDATE: searches see
    /// either the old vectors or the new ones, and no writer can store a vector whitened with the
    /// old one after this commits. Returns null (and changes nothing) when the stored version is no
    /// longer <paramref name="expectedVersion"/>: another refit (perhaps another instance's) came first.
    /// </summary>
    public async Task<ReplacedWhitening?> ReplaceWhiteningAsync(ActiveModel model, int expectedVersion, CatalogWhitening fitted, CancellationToken cancellationToken)
    {
        await using var connection = await _writes.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        NpgsqlCommand Command(string sql) => new(sql, connection, transaction) { CommandTimeout = RefitTimeoutSeconds };
        await using (var lockModel = Command($"SELECT whitening_version FROM models WHERE id = {model.Id} FOR UPDATE"))
        {
            if ((int)(await lockModel.ExecuteScalarAsync(cancellationToken))! != expectedVersion) return null;
        }
        await using (var create = Command("""CREATE TEMP TABLE whitened (sku text COLLATE "C" PRIMARY KEY, embedding halfvec NOT NULL) ON COMMIT DROP"""))
            await create.ExecuteNonQueryAsync(cancellationToken);

        // Pages of raw vectors out, whitened vectors in (binary COPY), then one UPDATE joins them.
        var after = "";
        var rows = 0;
        while (true)
        {
            var page = new List<(string Sku, float[] Raw)>(RefitPageSize);
            await using (var read = Command($"SELECT sku, raw FROM embeddings WHERE {ModelFilter(model)} AND sku > @after ORDER BY sku LIMIT {RefitPageSize}"))
            {
                read.Parameters.AddWithValue("after", after);
                await using var reader = await read.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken)) page.Add((reader.GetString(0), ToFloats(reader.GetFieldValue<HalfVector>(1))));
            }
            if (page.Count == 0) break;
            await using (var writer = await connection.BeginBinaryImportAsync("COPY whitened (sku, embedding) FROM STDIN (FORMAT BINARY)", cancellationToken))
            {
                writer.Timeout = TimeSpan.Zero;
                foreach (var (sku, raw) in page)
                {
                    await writer.StartRowAsync(cancellationToken);
                    await writer.WriteAsync(sku, NpgsqlTypes.NpgsqlDbType.Text, cancellationToken);
                    await writer.WriteAsync(ToHalfVector(WhiteningSnapshot.Project(fitted, raw)), "halfvec", cancellationToken);
                }
                await writer.CompleteAsync(cancellationToken);
            }
            rows += page.Count;
            after = page[^1].Sku;
        }

        await using (var update = Command($"""
            UPDATE embeddings e SET embedding = w.embedding FROM whitened w WHERE e.{ModelFilter(model)} AND e.sku = w.sku
            """))
            await update.ExecuteNonQueryAsync(cancellationToken);
        DateTimeOffset fittedAt;
        await using (var store = Command($"""
            UPDATE models SET whitening = @bytes, whitening_samples = @samples, whitening_fitted_at = now(), whitening_version = whitening_version + 1
            WHERE id = {model.Id} RETURNING whitening_fitted_at
            """))
        {
            store.Parameters.AddWithValue("bytes", fitted.ToBytes());
            store.Parameters.AddWithValue("samples", fitted.SampleCount);
            fittedAt = new DateTimeOffset((DateTime)(await store.ExecuteScalarAsync(cancellationToken))!);
        }
        await transaction.CommitAsync(cancellationToken);
        return new ReplacedWhitening(expectedVersion + 1, rows, fittedAt);
    }
}
