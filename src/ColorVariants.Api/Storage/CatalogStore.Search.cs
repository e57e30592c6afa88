using System.Diagnostics;
using ColorVariants.Api.Models;
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
/// <param name="CategoryVectors">Its category's vectors, counted up to <see cref="SearchPlan.CountCategoryUpTo"/> when asked for, else null.</param>
public sealed record QueryProduct(string Sku, string? Category, float[]? Vector, int? CategoryVectors);

/// <summary>What every ranking endpoint asks: the <paramref name="Limit"/> nearest vectors to <paramref name="Vector"/>.</summary>
/// <param name="Category">Only products of this category (null: all).</param>
/// <param name="ExcludeSku">The query product itself, left out of its own variants.</param>
/// <param name="CategoryVectors">The category's size if the caller counted it already (<see cref="QueryProduct.CategoryVectors"/>), else it is counted here.</param>
public sealed record VariantQuery(float[] Vector, string? Category, int Limit, double? MinScore, string? ExcludeSku = null, int? CategoryVectors = null);

/// <summary>
/// Nearest neighbours by cosine distance in pgvector, exact or through the model's HNSW index as
/// <see cref="SearchPlan"/> chooses. Either way the answer holds `limit` rows whenever the
/// catalog has that many candidates. Searches read from the read source.
/// </summary>
public sealed partial class CatalogStore
{
    /// <param name="countCategory">Also count the product's category for the search plan, in the same round trip.</param>
    public async Task<QueryProduct?> FindQueryProductAsync(string sku, ActiveModel model, bool countCategory, CancellationToken cancellationToken)
    {
        await using var command = _reads.CreateCommand($"""
            SELECT p.category, e.embedding,
                   CASE WHEN @count AND p.category IS NOT NULL THEN ({CountCategory(model, "p.category")}) END
            FROM products p
            LEFT JOIN embeddings e ON e.{ModelFilter(model)} AND e.sku = p.sku AND e.image_sha256 = p.image_sha256
            WHERE p.sku = @sku
            """);
        command.Parameters.AddWithValue("sku", sku);
        command.Parameters.AddWithValue("count", countCategory);
        command.Parameters.AddWithValue("upTo", searchPlan.CountCategoryUpTo);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken)) return null;
        return new QueryProduct(
            sku,
            reader.IsDBNull(0) ? null : reader.GetString(0),
            reader.IsDBNull(1) ? null : ToFloats(reader.GetFieldValue<HalfVector>(1)),
            reader.IsDBNull(2) ? null : (int)reader.GetInt64(2));
    }

    /// <summary>The one variant query: /variants/{sku}, /variants/search and /gallery/{sku} all rank with it.</summary>
    public async Task<IReadOnlyList<VariantHit>> FindVariantsAsync(VariantQuery query, ActiveModel model, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var categoryVectors = query.Category is null ? 0
            : query.CategoryVectors ?? await CountCategoryAsync(model, query.Category, cancellationToken);
        var method = searchPlan.Choose(query.Category, categoryVectors);

        var candidates = $"""
            SELECT e.sku, e.{IndexedVector(model)} <=> @vector{VectorCast(model)} AS distance
            FROM embeddings e
            WHERE e.{ModelFilter(model)}{(query.Category is null ? "" : " AND e.category = @category")}{(query.ExcludeSku is null ? "" : " AND e.sku <> @exclude")}
            """;
        // OFFSET 0 fences the exact branch, so its ORDER BY cannot be served by the index.
        var nearest = method == SearchMethod.Exact
            ? $"SELECT * FROM ({candidates} OFFSET 0) c ORDER BY distance LIMIT @limit"
            : $"{candidates}\nORDER BY distance LIMIT @limit";
        var select = new NpgsqlBatchCommand($"""
            SELECT n.sku, 1 - n.distance, p.category, p.name, p.colour, p.image_sha256
            FROM ({nearest}) n
            JOIN products p ON p.sku = n.sku
            ORDER BY n.distance, n.sku
            """);
        select.Parameters.AddWithValue("vector", ToHalfVector(query.Vector));
        select.Parameters.AddWithValue("limit", query.Limit);
        if (query.Category is not null) select.Parameters.AddWithValue("category", query.Category);
        if (query.ExcludeSku is not null) select.Parameters.AddWithValue("exclude", query.ExcludeSku);

        await using var connection = await _reads.OpenConnectionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection);
        if (method == SearchMethod.Hnsw)
        {
            // The plan has chosen the index, and the planner must not overrule it: it costs a distance
            // like any operator, so it sorts whatever category it thinks small (measured on 1,000
            // rows: it sorted a 2 % category, and even the unfiltered query at limit 20). With sorts
            // off for this one statement, only the index gives the order. Same round trip.
            batch.BatchCommands.Add(new NpgsqlBatchCommand("BEGIN"));
            batch.BatchCommands.Add(new NpgsqlBatchCommand("SET LOCAL enable_sort = off"));
            batch.BatchCommands.Add(select);
            batch.BatchCommands.Add(new NpgsqlBatchCommand("COMMIT"));
        }
        else
        {
            batch.BatchCommands.Add(select);
        }

        var hits = new List<VariantHit>(query.Limit);
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                // minScore filters the `limit` nearest, so filtering here, on the rounded score, is the same query.
                var score = VariantHit.Round(reader.GetDouble(1));
                if (score < query.MinScore) continue;
                hits.Add(new VariantHit(
                    reader.GetString(0),
                    score,
                    reader.IsDBNull(2) ? null : reader.GetString(2),
                    reader.IsDBNull(3) ? null : reader.GetString(3),
                    reader.IsDBNull(4) ? null : reader.GetString(4),
                    reader.GetFieldValue<byte[]>(5)));
            }
        }
        metrics.Search(method, Stopwatch.GetElapsedTime(started));
        return hits;
    }

    private async Task<int> CountCategoryAsync(ActiveModel model, string category, CancellationToken cancellationToken)
    {
        await using var command = _reads.CreateCommand(CountCategory(model, "@category"));
        command.Parameters.AddWithValue("category", category);
        command.Parameters.AddWithValue("upTo", searchPlan.CountCategoryUpTo);
        return (int)(long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>The category's vectors of the model, counted up to @upTo only (an index-only scan of the (model_id, category) index).</summary>
    private static string CountCategory(ActiveModel model, string category) =>
        $"SELECT count(*) FROM (SELECT FROM embeddings k WHERE k.{ModelFilter(model)} AND k.category = {category} LIMIT @upTo) k";
}
