using System.Text.Json;
using ColorVariants.Core.Embedding;
using Npgsql;

namespace ColorVariants.Api.Models;

/// <summary>Registers the loaded model in the database and makes it the active one; gives it its HNSW index (in the background).</summary>
public sealed class ModelRegistry(NpgsqlDataSource dataSource, ILogger<ModelRegistry> logger)
{
    private ActiveModel? _active;

    /// <summary>Set once start-up has registered the model.</summary>
    public ActiveModel Active => _active ?? throw new InvalidOperationException("The model is not registered yet.");
    public bool IsRegistered => _active is not null;

    public async Task<ActiveModel> ActivateAsync(EmbeddingModel model, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
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
        var active = new ActiveModel(id, model.Name, model.Sha256, model.Dimensions);
        await using (var activate = new NpgsqlCommand($"""
            UPDATE models SET active = false WHERE active AND id <> {id};
            UPDATE models SET active = true WHERE id = {id};
            """, connection, transaction))
        {
            await activate.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        logger.LogInformation("Active model: {Name} (id {Id}, {Dimensions} dimensions, sha256 {Sha256}).", model.Name, id, model.Dimensions, model.Sha256[..12]);
        _active = active;
        return active;
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
    public async Task EnsureIndexAsync(ActiveModel active, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using (var take = new NpgsqlCommand("SELECT pg_advisory_lock(hashtextextended(@name, 0))", connection))
        {
            take.Parameters.AddWithValue("name", active.IndexName);
            await take.ExecuteNonQueryAsync(cancellationToken);
        }
        try
        {
            await using (var invalid = new NpgsqlCommand("SELECT NOT indisvalid FROM pg_index WHERE indexrelid = to_regclass(@name)", connection))
            {
                invalid.Parameters.AddWithValue("name", active.IndexName);
                if (await invalid.ExecuteScalarAsync(cancellationToken) is true)
                {
                    logger.LogWarning("Index {Index} was left invalid by an interrupted build; rebuilding it.", active.IndexName);
                    await using var drop = new NpgsqlCommand($"DROP INDEX CONCURRENTLY IF EXISTS {active.IndexName}", connection);
                    await drop.ExecuteNonQueryAsync(cancellationToken);
                }
            }
            await using var create = new NpgsqlCommand($"""
                CREATE INDEX CONCURRENTLY IF NOT EXISTS {active.IndexName} ON embeddings
                    USING hnsw (({active.Vector}) halfvec_cosine_ops) WHERE {active.Filter}
                """, connection) { CommandTimeout = 0 };
            await create.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (PostgresException e)
        {
            logger.LogError(e, "Index {Index} could not be built ({Message}); searches of model {Model} scan without it until the next start.",
                active.IndexName, e.MessageText, active.Name);
        }
        finally
        {
            // Pooled connections are not reset (NoResetOnClose), so a session lock must not outlive this.
            await using var release = new NpgsqlCommand("SELECT pg_advisory_unlock(hashtextextended(@name, 0))", connection);
            release.Parameters.AddWithValue("name", active.IndexName);
            await release.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }
}
