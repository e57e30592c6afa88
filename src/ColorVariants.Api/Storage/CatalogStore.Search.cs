using ColorVariants.Api.Models;
using ColorVariants.Api.Infrastructure;
using Microsoft.Extensions.Options;
using Npgsql;
using Pgvector;

namespace ColorVariants.Api.Storage;

/// <param name="Score">Cosine similarity, already rounded by <see cref="Round"/>: the figure the answer shows.</param>
public sealed record VariantHit(string Sku, double Score, string? Category, string? Name, string? Colour, byte[] ImageSha256)
{
    public const int ScoreDecimals = 6;

    /// <summary>
    /// The one place a score is rounded. minScore is compared with this figure, not the raw one,
    /// so `minScore=<a score the answer showed>` keeps that very item: the shortest round-trip
    /// text of a double parses back to the same double.
    /// </summary>
    public static double Round(double cosine) => Math.Round(cosine, ScoreDecimals);
}

/// <summary>The product a variants query starts from: its category and its vector of the active model, if it has one.</summary>
public sealed record QueryProduct(string Sku, string? Category, HalfVector? Vector);

/// <summary>
/// Nearest neighbours by cosine distance in pgvector. Without a category filter the model's HNSW
/// index answers. With one, a category of at most <see cref="SearchOptions.ExactSearchMaxRows"/>
/// vectors is scanned exactly (counted first, up to that bound, on the (model_id, category) index),
/// and a larger one goes through the HNSW index with iterative scans (set per connection). Either
/// way the answer holds `limit` rows whenever the catalog has that many candidates.
/// </summary>
public sealed class VariantStore(NpgsqlDataSource dataSource, IOptions<SearchOptions> options)
{
    private readonly int _exactSearchMaxRows = options.Value.ExactSearchMaxRows;

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
        var candidates = $"""
            SELECT e.sku, e.{model.Vector} <=> @vector{model.Cast} AS distance
            FROM embeddings e
            WHERE e.{model.Filter}{(category is null ? "" : " AND e.category = @category")}{(excludeSku is null ? "" : " AND e.sku <> @exclude")}
            """;
        // With a category both branches are planned, and the bounded count (a CTE, run once) lets only
        // one of them run. OFFSET 0 keeps the exact branch's ORDER BY from being served by the index.
        var (with, nearest) = category is null
            ? ("", $"{candidates}\nORDER BY distance LIMIT @limit")
            : ($"""
                WITH small AS (
                    SELECT count(*) <= @exactMax AS exact
                    FROM (SELECT FROM embeddings k WHERE k.{model.Filter} AND k.category = @category LIMIT @exactMax + 1) k)
                """,
               $"""
                (SELECT * FROM ({candidates} OFFSET 0) c WHERE (SELECT exact FROM small) ORDER BY distance LIMIT @limit)
                UNION ALL
                (SELECT * FROM ({candidates}) c WHERE NOT (SELECT exact FROM small) ORDER BY distance LIMIT @limit)
                """);
        var sql = $"""
            {with}
            SELECT n.sku, 1 - n.distance, p.category, p.name, p.colour, p.image_sha256
            FROM ({nearest}) n
            JOIN products p ON p.sku = n.sku
            ORDER BY n.distance, n.sku
            """;
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.AddWithValue("vector", vector);
        command.Parameters.AddWithValue("limit", limit);
        if (category is not null)
        {
            command.Parameters.AddWithValue("category", category);
            command.Parameters.AddWithValue("exactMax", _exactSearchMaxRows);
        }
        if (excludeSku is not null) command.Parameters.AddWithValue("exclude", excludeSku);

        var hits = new List<VariantHit>(limit);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            // minScore filters the `limit` nearest, so filtering here, on the rounded score, is the same query.
            var score = VariantHit.Round(reader.GetDouble(1));
            if (score < minScore) continue;
            hits.Add(new VariantHit(
                reader.GetString(0),
                score,
                reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4),
                reader.GetFieldValue<byte[]>(5)));
        }
        return hits;
    }
}
