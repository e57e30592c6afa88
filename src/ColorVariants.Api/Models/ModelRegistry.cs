using System.Text.Json;
using ColorVariants.Core.Embedding;
using Npgsql;

namespace ColorVariants.Api.Models;

/// <summary>Registers the loaded model in the database, makes it the active one and gives it its HNSW index.</summary>
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
            CREATE INDEX IF NOT EXISTS {active.IndexName} ON embeddings
                USING hnsw (({active.Vector}) halfvec_cosine_ops) WHERE {active.Filter};
            """, connection, transaction))
        {
            await activate.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        logger.LogInformation("Active model: {Name} (id {Id}, {Dimensions} dimensions, sha256 {Sha256}).", model.Name, id, model.Dimensions, model.Sha256[..12]);
        _active = active;
        return active;
    }
}
