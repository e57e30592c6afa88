using System.Text.Json;
using ColorVariants.Api.Models;
using ColorVariants.Inference.Embedding;
using Npgsql;

namespace ColorVariants.Api.Storage;

/// <summary>Model registration: the loaded model becomes the active one, and gets its HNSW index (in the background).</summary>
public sealed partial class CatalogStore
{
    /// <summary>Registers the model (known by the hash of its file) and makes it the one active model.</summary>
    public async Task<ActiveModel> RegisterModelAsync(EmbeddingModel model, CancellationToken cancellationToken)
    {
        await using var connection = await _writes.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        int id;
        await using (var upsert = new NpgsqlCommand("""
            INSERT INTO models (name, sha256, dimensions, metadata) VALUES (@name, @sha256, @dimensions, @metadata)
            ON CONFLICT (sha256) DO UPDATE SET name = EXCLUDED.name, metadata = EXCLUDED.metadata
            RETURNING id
            """, connection, transaction))
        {
            upsert.Parameters.AddWithValue("name", model.Name);
            upsert.Parameters.AddWithValue("sha256", model.Sha256);
            upsert.Parameters.AddWithValue("dimensions", model.Dimensions);
            upsert.Parameters.AddWithValue("metadata", NpgsqlTypes.NpgsqlDbType.Jsonb, JsonSerializer.Serialize(model.Metadata));
            id = (int)(await upsert.ExecuteScalarAsync(cancellationToken))!;
        }
        await using (var activate = new NpgsqlCommand($"""
            UPDATE models SET active = false WHERE active AND id <> {id};
            UPDATE models SET active = true WHERE id = {id};
            """, connection, transaction))
        {
            await activate.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        logger.LogInformation("Active model: {Name} (id {Id}, {Dimensions} dimensions, sha256 {Sha256}).", model.Name, id, model.Dimensions, model.Sha256[..12]);
        return new ActiveModel(id, model.Name, model.Sha256, model.Dimensions, model.Blocks, model.Verifier);
    }

    /// <summary>
    /// The model's partial HNSW index, built CONCURRENTLY: a build over a large catalog takes
    /// minutes, and a plain CREATE INDEX would block every upload (of any model) for that long.
    /// CONCURRENTLY cannot run in a transaction, so this runs on its own, and it waits for every
    /// older transaction in the database to end, so it runs in the background
    /// (<see cref="Embedding.CatalogReembedder"/>), not in start-up: the service answers
    /// meanwhile, its searches exact until the index is there. An interrupted build
    /// leaves an invalid index that IF NOT EXISTS would keep for good; it is dropped and rebuilt.
    /// A build the server refuses is logged and left for the next start: searches stay exact,
    /// slower but right. Instances starting together take turns (a session advisory lock), so
    /// none drops an index another is still building.
    /// </summary>
    /// <remarks>One index per whitening slot (migration 0007): a refit fills the idle slot while searches use the other.</remarks>
    public async Task EnsureIndexAsync(ActiveModel model, CancellationToken cancellationToken)
    {
        foreach (var slot in (int[])[0, 1]) await EnsureIndexAsync(model, slot, cancellationToken);
    }

    private async Task EnsureIndexAsync(ActiveModel model, int slot, CancellationToken cancellationToken)
    {
        var index = IndexName(model, slot);
        await using var connection = await _writes.OpenConnectionAsync(cancellationToken);
        await using (var take = new NpgsqlCommand("SELECT pg_advisory_lock(hashtextextended(@name, 0))", connection))
        {
            take.Parameters.AddWithValue("name", index);
            await take.ExecuteNonQueryAsync(cancellationToken);
        }
        try
        {
            await using (var invalid = new NpgsqlCommand("SELECT NOT indisvalid FROM pg_index WHERE indexrelid = to_regclass(@name)", connection))
            {
                invalid.Parameters.AddWithValue("name", index);
                if (await invalid.ExecuteScalarAsync(cancellationToken) is true)
                {
                    logger.LogWarning("Index {Index} was left invalid by an interrupted build; rebuilding it.", index);
                    await using var drop = new NpgsqlCommand($"DROP INDEX CONCURRENTLY IF EXISTS {index}", connection);
                    await drop.ExecuteNonQueryAsync(cancellationToken);
                }
            }
            await using var create = new NpgsqlCommand($"""
                CREATE INDEX CONCURRENTLY IF NOT EXISTS {index} ON embeddings
                    USING hnsw (({IndexedVector(model, slot)}) halfvec_cosine_ops) WHERE {ModelFilter(model)}
                """, connection) { CommandTimeout = 0 };
            await create.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (PostgresException e)
        {
            logger.LogError(e, "Index {Index} could not be built ({Message}); searches of model {Model} scan without it until the next start.",
                index, e.MessageText, model.Name);
        }
        finally
        {
            // Pooled connections are not reset (NoResetOnClose), so a session lock must not outlive this.
            await using var release = new NpgsqlCommand("SELECT pg_advisory_unlock(hashtextextended(@name, 0))", connection);
            release.Parameters.AddWithValue("name", index);
            await release.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }
}
