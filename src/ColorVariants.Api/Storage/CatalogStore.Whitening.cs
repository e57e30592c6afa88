using ColorVariants.Api.Embedding;
using ColorVariants.Api.Models;
using ColorVariants.Core.Embedding;
using Npgsql;
using Pgvector;

namespace ColorVariants.Api.Storage;

/// <summary>
/// A model's stored whitening as read from its row. <see cref="Bytes"/> is null when it has none, or
/// when the version is the one the reader knew; <see cref="PendingBytes"/> likewise for the refit under way.
/// </summary>
public sealed record StoredWhitening(int Version, byte[]? Bytes, int? Samples, DateTimeOffset? FittedAt, int Slot, long? PendingId, byte[]? PendingBytes);

/// <summary>One product as a whitening fit reads it.</summary>
public sealed record WhiteningRow(string Sku, float[] Raw, string? Category, string? SwatchHex);

/// <summary>What a whitening is fitted on: the model's vectors and the confirmed variant pairs among them.</summary>
public sealed record WhiteningInput(IReadOnlyList<WhiteningRow> Rows, IReadOnlyList<(int A, int B)> Confirmed);

/// <summary>What a refit's switch made: the new version, the slot now searched, and when.</summary>
public sealed record ReplacedWhitening(int Version, int Slot, DateTimeOffset FittedAt);

/// <summary>A refit under way: the whitening its pages project with, its id, and the idle slot they fill.</summary>
public sealed record RefitInProgress(long PendingId, int Slot, CatalogWhitening Whitening);

/// <summary>
/// The whitening of each model (on its row of `models`) and the raw vectors it is fitted on.
/// A refit never holds writers up for its length (issue 22): it stores its whitening as pending
/// (<see cref="BeginRefitAsync"/>), re-projects the raw vectors into the model's idle slot page by
/// page while searches keep reading the active one (<see cref="ReprojectPageAsync"/>), and flips the
/// slot with the version (<see cref="SwitchWhiteningAsync"/>). The model row is the lock that keeps
/// stored vectors and whitenings consistent: every vector writer reads it FOR SHARE and, while a
/// refit is pending, stores both projections; the two short steps of a refit take it FOR UPDATE.
/// </summary>
public sealed partial class CatalogStore
{
    /// <summary>
    /// Rows re-projected per page of a refit (keyset pages on the primary key): each page is one short
    /// transaction, and holds only its own rows (an upload of one of them waits for that page alone).
    /// </summary>
    public const int RefitPageSize = 500;

    /// <summary>
    /// A refit's reads scan every vector of the model: a background job stopped by its cancellation
    /// token, so its statements have no timeout (0).
    /// </summary>
    private const int RefitTimeoutSeconds = 0;

    /// <summary>
    /// How long a writer waits for the model row (FOR SHARE behind a refit's FOR UPDATE) before it
    /// fails. A refit holds it for two single-row statements, not for its re-projection.
    /// </summary>
    private const int WriterWaitSeconds = 120;

    /// <summary>
    /// The model's whitening as stored: one primary-key read, plus the bytes only when a refit has
    /// replaced the one <see cref="ActiveWhitening"/> holds. From the read source, the one the
    /// searched vectors come from, so a query is whitened as they were.
    /// </summary>
    public async Task<WhiteningSnapshot> CurrentWhiteningAsync(ActiveModel model, CancellationToken cancellationToken)
    {
        var known = whitening.Known;
        await using var connection = await _reads.OpenConnectionAsync(cancellationToken);
        var stored = await ReadWhiteningAsync(connection, null, model, known, forShare: false, cancellationToken);
        return stored is null ? known : whitening.Adopt(stored);
    }

    /// <summary>What a writer stores in the two slots: the active whitening's projection and, while a refit is pending, the pending one's.</summary>
    private readonly record struct SlotVectors(float[]? Embedding, float[]? EmbeddingB);

    /// <summary>
    /// In a transaction that is about to store <paramref name="raw"/>'s vector: locks the model row
    /// FOR SHARE, reloads the whitening if it changed, and returns what each slot gets: the active
    /// whitening's projection, and the pending refit's (else null, the idle slot is not read). A
    /// refit's switch waits for this transaction, and this one for a switch under way: one statement.
    /// </summary>
    private async Task<SlotVectors> ProjectForWriteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, ActiveModel model, float[] raw, CancellationToken cancellationToken)
    {
        var known = whitening.Known;
        var stored = await ReadWhiteningAsync(connection, transaction, model, known, forShare: true, cancellationToken);
        var current = stored is null ? known : whitening.Adopt(stored);
        var active = current.Project(raw);
        var pending = current.Pending is { } refit ? WhiteningSnapshot.Project(refit.Whitening, raw) : null;
        return current.Slot == 0 ? new SlotVectors(active, pending) : new SlotVectors(pending, active);
    }

    /// <summary>The @embedding and @embedding_b of <see cref="UpsertEmbedding"/>.</summary>
    private static void AddSlotVectors(NpgsqlCommand command, SlotVectors vectors)
    {
        command.Parameters.Add(new NpgsqlParameter { ParameterName = "embedding", DataTypeName = "halfvec", Value = vectors.Embedding is null ? DBNull.Value : ToHalfVector(vectors.Embedding) });
        command.Parameters.Add(new NpgsqlParameter { ParameterName = "embedding_b", DataTypeName = "halfvec", Value = vectors.EmbeddingB is null ? DBNull.Value : ToHalfVector(vectors.EmbeddingB) });
    }

    /// <returns>The model's whitening row, or null when its version and pending refit are the ones <paramref name="known"/> holds (nothing to reload).</returns>
    private static async Task<StoredWhitening?> ReadWhiteningAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, ActiveModel model, WhiteningSnapshot known, bool forShare, CancellationToken cancellationToken)
    {
        // The bytes (several MB at 3,204 dimensions) travel only when the version or the pending refit has moved.
        await using var command = new NpgsqlCommand($"""
            SELECT whitening_version, CASE WHEN whitening_version <> @known THEN whitening END, whitening_samples, whitening_fitted_at,
                   whitening_slot, pending_id, CASE WHEN pending_id IS DISTINCT FROM @knownPending THEN pending_whitening END
            FROM models WHERE id = {model.Id}{(forShare ? " FOR SHARE" : "")}
            """, connection, transaction);
        if (forShare) command.CommandTimeout = WriterWaitSeconds;
        command.Parameters.AddWithValue("known", known.Version);
        command.Parameters.AddWithValue("knownPending", NpgsqlTypes.NpgsqlDbType.Bigint, (object?)known.Pending?.Id ?? DBNull.Value);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken)) throw new InvalidOperationException($"Model {model.Id} is not registered.");
        var version = reader.GetInt32(0);
        long? pendingId = reader.IsDBNull(5) ? null : reader.GetInt64(5);
        if (version == known.Version && pendingId == known.Pending?.Id) return null;
        return new StoredWhitening(
            version,
            reader.IsDBNull(1) ? null : reader.GetFieldValue<byte[]>(1),
            reader.IsDBNull(2) ? null : reader.GetInt32(2),
            reader.IsDBNull(3) ? null : reader.GetFieldValue<DateTimeOffset>(3),
            reader.GetInt16(4),
            pendingId,
            reader.IsDBNull(6) ? null : reader.GetFieldValue<byte[]>(6));
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
    /// Stores <paramref name="fitted"/> as the model's pending whitening: from this commit on every
    /// writer stores both projections. One short transaction holding the model row FOR UPDATE (it
    /// waits for the writers in flight). Returns null, changing nothing, when the version is no longer
    /// <paramref name="expectedVersion"/>: another refit (perhaps another instance's) switched first.
    /// A pending refit left by a stopped process is replaced.
    /// </summary>
    public async Task<RefitInProgress?> BeginRefitAsync(ActiveModel model, int expectedVersion, CatalogWhitening fitted, CancellationToken cancellationToken)
    {
        await using var connection = await _writes.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        int slot;
        await using (var lockModel = new NpgsqlCommand($"SELECT whitening_version, whitening_slot FROM models WHERE id = {model.Id} FOR UPDATE", connection, transaction))
        {
            await using var reader = await lockModel.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            if (reader.GetInt32(0) != expectedVersion) return null;
            slot = reader.GetInt16(1);
        }
        var id = Random.Shared.NextInt64(1, long.MaxValue);
        await using (var store = new NpgsqlCommand($"UPDATE models SET pending_whitening = @bytes, pending_id = @id WHERE id = {model.Id}", connection, transaction))
        {
            store.Parameters.AddWithValue("bytes", fitted.ToBytes());
            store.Parameters.AddWithValue("id", id);
            await store.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return new RefitInProgress(id, 1 - slot, fitted);
    }

    /// <summary>
    /// One page of a refit: the raw vectors of the skus after <paramref name="after"/> (sku order)
    /// projected with the pending whitening into the idle slot, in one short transaction, for the rows
    /// that still have the image they were read with (an upload meanwhile stored both projections
    /// itself) and while the refit is still the pending one. Returns the rows read and the last sku
    /// (null: none left).
    /// </summary>
    public async Task<(int Rows, string? Last)> ReprojectPageAsync(ActiveModel model, RefitInProgress refit, string after, CancellationToken cancellationToken)
    {
        var page = new List<(string Sku, byte[] Image, float[] Raw)>(RefitPageSize);
        await using (var read = _writes.CreateCommand($"SELECT sku, image_sha256, raw FROM embeddings WHERE {ModelFilter(model)} AND sku > @after ORDER BY sku LIMIT {RefitPageSize}"))
        {
            read.CommandTimeout = RefitTimeoutSeconds;
            read.Parameters.AddWithValue("after", after);
            await using var reader = await read.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                page.Add((reader.GetString(0), reader.GetFieldValue<byte[]>(1), ToFloats(reader.GetFieldValue<HalfVector>(2))));
        }
        if (page.Count == 0) return (0, null);
        var projected = await Task.Run(() => page.Select(r => ToHalfVector(WhiteningSnapshot.Project(refit.Whitening, r.Raw))).ToArray(), cancellationToken);

        await using var connection = await _writes.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        NpgsqlCommand Command(string sql) => new(sql, connection, transaction) { CommandTimeout = RefitTimeoutSeconds };
        await using (var create = Command("""CREATE TEMP TABLE reprojected (sku text COLLATE "C" PRIMARY KEY, image_sha256 bytea NOT NULL, embedding halfvec NOT NULL) ON COMMIT DROP"""))
            await create.ExecuteNonQueryAsync(cancellationToken);
        await using (var writer = await connection.BeginBinaryImportAsync("COPY reprojected (sku, image_sha256, embedding) FROM STDIN (FORMAT BINARY)", cancellationToken))
        {
            writer.Timeout = TimeSpan.Zero;
            for (var i = 0; i < page.Count; i++)
            {
                await writer.StartRowAsync(cancellationToken);
                await writer.WriteAsync(page[i].Sku, NpgsqlTypes.NpgsqlDbType.Text, cancellationToken);
                await writer.WriteAsync(page[i].Image, NpgsqlTypes.NpgsqlDbType.Bytea, cancellationToken);
                await writer.WriteAsync(projected[i], "halfvec", cancellationToken);
            }
            await writer.CompleteAsync(cancellationToken);
        }
        await using (var update = Command($"""
            UPDATE embeddings e SET {SlotColumn(refit.Slot)} = r.embedding FROM reprojected r
            WHERE e.{ModelFilter(model)} AND e.sku = r.sku AND e.image_sha256 = r.image_sha256
              AND (SELECT pending_id FROM models WHERE id = {model.Id}) = @pending
            """))
        {
            update.Parameters.AddWithValue("pending", refit.PendingId);
            await update.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return (page.Count, page[^1].Sku);
    }

    /// <summary>
    /// The switch: the pending whitening becomes the model's whitening, its slot the searched one,
    /// its version the next, in one short transaction holding the model row FOR UPDATE. Searches see
    /// the old vectors or the new ones, never a mix. Returns null, changing nothing, when the refit is
    /// no longer the pending one (another replaced it) or the version moved.
    /// </summary>
    public async Task<ReplacedWhitening?> SwitchWhiteningAsync(ActiveModel model, int expectedVersion, RefitInProgress refit, CancellationToken cancellationToken)
    {
        await using var connection = await _writes.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var lockModel = new NpgsqlCommand($"SELECT whitening_version = @version AND pending_id IS NOT DISTINCT FROM @pending FROM models WHERE id = {model.Id} FOR UPDATE", connection, transaction))
        {
            lockModel.Parameters.AddWithValue("version", expectedVersion);
            lockModel.Parameters.AddWithValue("pending", refit.PendingId);
            if (await lockModel.ExecuteScalarAsync(cancellationToken) is not true) return null;
        }
        DateTimeOffset fittedAt;
        await using (var store = new NpgsqlCommand($"""
            UPDATE models SET whitening = pending_whitening, whitening_samples = @samples, whitening_fitted_at = now(),
                whitening_version = whitening_version + 1, whitening_slot = @slot, pending_whitening = NULL, pending_id = NULL
            WHERE id = {model.Id} RETURNING whitening_fitted_at
            """, connection, transaction))
        {
            store.Parameters.AddWithValue("samples", refit.Whitening.SampleCount);
            store.Parameters.AddWithValue("slot", (short)refit.Slot);
            fittedAt = new DateTimeOffset((DateTime)(await store.ExecuteScalarAsync(cancellationToken))!);
        }
        await transaction.CommitAsync(cancellationToken);
        return new ReplacedWhitening(expectedVersion + 1, refit.Slot, fittedAt);
    }
}
