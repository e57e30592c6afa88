using ColorVariants.Api.Models;
using Npgsql;
using Pgvector;

namespace ColorVariants.Api.Storage;

public sealed record VariantHit(string Sku, double Score, string? Category, string? Name, string? Colour, byte[] ImageSha256);

/// <summary>The product a variants query starts from: its category and its vector of the active model, if it has one.</summary>
public sealed record QueryProduct(string Sku, string? Category, HalfVector? Vector);

/// <summary>
/// Nearest neighbours by cosine distance in pgvector. The query vector is a parameter and the
/// category filter a plain equality, so PostgreSQL plans each query with the category's real
/// frequency: an exact scan over the (model_id, category) index for a small category, the
/// model's HNSW index with iterative scans (set per connection) for a large one. Either way
/// the answer holds `limit` rows whenever the catalog has that many candidates.
/// </summary>
public sealed class VariantStore(NpgsqlDataSource dataSource)
{
    public async Task<QueryProduct?> FindAsync(string sku, ActiveModel model, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT p.category, e.embedding FROM products p
            LEFT JOIN embeddings e ON e.{model.Filter} AND e.sku = p.sku AND e.image_sha256 = p.image_sha256
            WHERE p.sku = @sku
            """);
        command.Parameters.AddWithValue("sku", sku);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken)) return null;
        return new QueryProduct(sku, reader.IsDBNull(0) ? null : reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetFieldValue<HalfVector>(1));
    }

    /// <param name="excludeSku">The query product itself, left out of its own variants.</param>
    public async Task<IReadOnlyList<VariantHit>> NearestAsync(
        HalfVector vector, ActiveModel model, int limit, double? minScore, string? category, string? excludeSku, CancellationToken cancellationToken)
    {
        var sql = $"""
            SELECT n.sku, 1 - n.distance, p.category, p.name, p.colour, p.image_sha256
            FROM (
                SELECT e.sku, e.{model.Vector} <=> @vector{model.Cast} AS distance
                FROM embeddings e
                WHERE e.{model.Filter}{(category is null ? "" : " AND e.category = @category")}{(excludeSku is null ? "" : " AND e.sku <> @exclude")}
                ORDER BY distance
                LIMIT @limit
            ) n
            JOIN products p ON p.sku = n.sku
            {(minScore is null ? "" : "WHERE 1 - n.distance >= @minScore")}
            ORDER BY n.distance, n.sku
            """;
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.AddWithValue("vector", vector);
        command.Parameters.AddWithValue("limit", limit);
        if (category is not null) command.Parameters.AddWithValue("category", category);
        if (excludeSku is not null) command.Parameters.AddWithValue("exclude", excludeSku);
        if (minScore is not null) command.Parameters.AddWithValue("minScore", minScore.Value);

        var hits = new List<VariantHit>(limit);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            hits.Add(new VariantHit(
                reader.GetString(0),
                reader.GetDouble(1),
                reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4),
                reader.GetFieldValue<byte[]>(5)));
        }
        return hits;
    }
}
