using System.Diagnostics;
using System.Globalization;
using ColorVariants.Api.Models;
using ColorVariants.Core.Images;
using Npgsql;
using Pgvector;

namespace ColorVariants.Api.Storage;

/// <param name="Score">Cosine similarity, already rounded by <see cref="Round"/>: the figure the answer shows.</param>
/// <param name="Review">A reviewer's verdict on this hit and the query product (product queries; rejected hits are never returned).</param>
/// <param name="Swatch">The hit's swatch; null until the backfill reaches a product stored before swatches.</param>
/// <param name="InQueryGroup">The hit is in the query product's variant group under the model (product queries).</param>
/// <param name="BlockScores">Each descriptor block's own cosine, for a model whose output has several (Core DescriptorBlocks); else null.</param>
/// <param name="Probability">The verifier's probability that the hit is a colour variant (Variants/VariantRanking); null without a verifier.</param>
public sealed record VariantHit(string Sku, double Score, string? Category, string? Name, string? Colour, byte[] ImageSha256, Verdict? Review = null,
    Swatch? Swatch = null, bool InQueryGroup = false, float[]? BlockScores = null, double? Probability = null)
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

/// <summary>
/// What every ranking endpoint asks: the <see cref="Limit"/> nearest vectors, to an uploaded
/// image's (<see cref="ByVector"/>) or to a catalog product's (<see cref="OfProduct"/>).
/// </summary>
/// <param name="Vector">The query vector; null when it is <see cref="ProductSku"/>'s, read by the statement itself.</param>
/// <param name="Category">Only products of this category (null: all, unless <see cref="ProductsCategory"/>).</param>
/// <param name="ProductSku">The query product: its vector of the active model for its current image, left out of its own variants.</param>
/// <param name="ProductsCategory">Only products of the query product's category (when it has one).</param>
/// <param name="Slot">The whitening slot <see cref="Vector"/> was whitened for (CatalogStore.CurrentWhiteningAsync); null: the one the model row names now.</param>
public sealed record VariantQuery(float[]? Vector, string? Category, int Limit, double? MinScore, string? ProductSku = null, bool ProductsCategory = false, int? Slot = null)
{
    public static VariantQuery ByVector(float[] vector, int slot, string? category, int limit, double? minScore) => new(vector, category, limit, minScore, Slot: slot);

    public static VariantQuery OfProduct(string sku, bool sameCategory, int limit, double? minScore) => new(null, null, limit, minScore, sku, sameCategory);
}

public enum QueryProductState { Found, Unknown, NotEmbedded }

/// <param name="ProductCategory">The query product's category (product queries only).</param>
/// <param name="Product">Whether the query product was there to search from (product queries only; else Found).</param>
/// <param name="ProductSwatch">The query product's swatch (product queries only).</param>
public sealed record VariantResult(IReadOnlyList<VariantHit> Hits, string? ProductCategory = null, QueryProductState Product = QueryProductState.Found,
    Swatch? ProductSwatch = null);

/// <summary>
/// Nearest neighbours by cosine distance in pgvector, exact or through the model's HNSW index as
/// <see cref="SearchPlan"/>'s rule says. Either way the answer holds `limit` rows whenever the
/// catalog has that many candidates. Searches read from the search pool (CatalogDataSources.Searches).
/// </summary>
public sealed partial class CatalogStore
{
    /// <param name="countCategory">Also count the product's category for the search plan, in the same round trip.</param>
    public async Task<QueryProduct?> FindQueryProductAsync(string sku, ActiveModel model, bool countCategory, CancellationToken cancellationToken)
    {
        await using var command = _reads.CreateCommand($"""
            SELECT p.category, {ActiveVector(model, "e")},
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

    /// <summary>
    /// The one variant query: /variants/{sku}, /variants/search and /gallery/{sku} all rank with it.
    /// One statement: a product's vector and category are read by subqueries on the server (the
    /// vector never travels to the client and back), and with a category the statement counts it
    /// and runs only the branch <see cref="SearchPlan"/>'s rule picks. Only when no row comes back
    /// for a product does a second statement tell the rare cases apart (<see cref="NoRowsAsync"/>).
    /// </summary>
    public async Task<VariantResult> FindVariantsAsync(VariantQuery query, ActiveModel model, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var ofProduct = query.Vector is null;
        // A product's vector by subquery; an unknown sku or a missing vector is NULL, and the one-time
        // filter `IS NOT NULL` then stops the scan before it starts (the index would return every row).
        var vector = ofProduct ? "(SELECT embedding FROM q)" : "@vector";
        // A product's reviewed pairs win over the model: its rejected products are dropped from the
        // answer, so the scan goes that many further; each hit's verdict is one primary-key lookup.
        var ofSku = query.ProductSku is not null; // a catalog product's variants: its verdicts, swatch and group apply
        var limit = ofSku ? "@limit + (SELECT n FROM rejected)" : "@limit";
        var category = query.Category is not null ? "@category" : query.ProductsCategory ? "(SELECT category FROM q)" : null;

        string Candidates(int slot) => $"""
            SELECT e.sku, e.{IndexedVector(model, slot)} <=> {vector}{VectorCast(model)} AS distance{(model.Blocks.Count > 1 ? $", e.{SlotColumn(slot)} AS embedding" : "")}
            FROM embeddings e
            WHERE e.{ModelFilter(model)}{(category is null ? "" : $" AND e.category = {category}")}{(query.ProductSku is null ? "" : " AND e.sku <> @sku")}{(ofProduct ? $" AND {vector} IS NOT NULL" : "")}
            """;
        // With a category both branches are in the statement, and a one-time filter on the count
        // runs one of them. OFFSET 0 fences the exact branch, so its ORDER BY cannot be served by the index.
        // Likewise for the whitening slot (migration 0007): each slot's branches run only while the
        // model row names it, unless the query vector was whitened for a given one.
        IEnumerable<string> Branches(int slot, string guard) => category is null
            ? [$"SELECT c.*, false AS exact FROM ({Candidates(slot)}) c{(guard == "" ? "" : $" WHERE {guard}")} ORDER BY distance LIMIT {limit}"]
            : [
                $"SELECT c.*, true AS exact FROM ({Candidates(slot)} OFFSET 0) c WHERE (SELECT exact FROM small){(guard == "" ? "" : $" AND {guard}")} ORDER BY distance LIMIT {limit}",
                $"SELECT c.*, false AS exact FROM ({Candidates(slot)}) c WHERE NOT (SELECT exact FROM small){(guard == "" ? "" : $" AND {guard}")} ORDER BY distance LIMIT {limit}",
              ];
        var branches = query.Slot is { } given
            ? Branches(given, "")
            : Branches(0, $"{ActiveSlot(model)} = 0").Concat(Branches(1, $"{ActiveSlot(model)} = 1"));
        var nearest = string.Join("\nUNION ALL\n", branches.Select(b => $"({b})"));
        var with = new List<string>();
        // The query product's row: its vector (unless given, as on the unfiltered retry), category, swatch and group.
        if (ofSku)
            with.Add($"""
                q AS MATERIALIZED (SELECT p.category, {ActiveVector(model, "e")} AS embedding, p.swatch_hex, p.swatch_name, g.group_id FROM products p
                    JOIN embeddings e ON e.{ModelFilter(model)} AND e.sku = p.sku AND e.image_sha256 = p.image_sha256
                    LEFT JOIN variant_groups g ON g.{ModelFilter(model)} AND g.sku = p.sku
                    WHERE p.sku = @sku)
                """);
        if (category is not null) with.Add($"small AS (SELECT ({CountCategory(model, category)}) <= @exactMaxRows AS exact)");
        if (ofSku) with.Add("rejected AS (SELECT count(*) AS n FROM reviews WHERE verdict = 'rejected' AND (sku_a = @sku OR sku_b = @sku))");
        var verdict = ofSku
            ? "(SELECT r.verdict FROM reviews r WHERE r.sku_a = least(@sku::text COLLATE \"C\", n.sku) AND r.sku_b = greatest(@sku::text COLLATE \"C\", n.sku))"
            : "NULL::text";
        // Swatches ride along (the hit's from its products row, the query's from q), and group
        // membership is one primary-key lookup a hit: sameColour needs both, and no second query.
        var product = ofSku
            ? $"""
              (SELECT swatch_hex FROM q), (SELECT swatch_name FROM q),
                     EXISTS (SELECT 1 FROM variant_groups g WHERE g.{ModelFilter(model)} AND g.sku = n.sku AND g.group_id = (SELECT group_id FROM q))
              """
            : "NULL::text, NULL::text, false";
        var sql = $"""
            {(with.Count == 0 ? "" : "WITH " + string.Join(", ", with))}
            SELECT n.sku, 1 - n.distance, p.category, p.name, p.colour, p.image_sha256, n.exact, {(ofProduct ? "(SELECT category FROM q)" : "NULL::text")},
                   {verdict}, p.swatch_hex, p.swatch_name, {product}, {BlockScores(model, vector)}
            FROM ({nearest}) n
            JOIN products p ON p.sku = n.sku
            ORDER BY n.distance, n.sku
            """;
        // On the search pool, whose sessions have sorts off: the planner must not overrule the index
        // on the HNSW branch. It costs a distance like any operator, so on 1,000 rows it sorts a 2 %
        // category, and even the unfiltered query at limit 20, generic plan or custom (EXPLAIN
        // ANALYZE, PostgreSQL 15, pgvector 0.8.0). With sorts off only the index gives that branch's
        // order; the exact branch, the category count and the final order have no plan but a sort
        // or need none, so they are unchanged. A session setting instead of BEGIN / SET LOCAL /
        // COMMIT around every search: one statement a request, not four.
        await using var command = _searches.CreateCommand(sql);
        if (!ofProduct) command.Parameters.AddWithValue("vector", ToHalfVector(query.Vector));
        if (query.ProductSku is not null) command.Parameters.AddWithValue("sku", query.ProductSku);
        if (query.Category is not null) command.Parameters.AddWithValue("category", query.Category);
        if (category is not null)
        {
            command.Parameters.AddWithValue("exactMaxRows", searchPlan.ExactSearchMaxRows);
            command.Parameters.AddWithValue("upTo", searchPlan.CountCategoryUpTo);
        }
        command.Parameters.AddWithValue("limit", query.Limit);

        var hits = new List<VariantHit>(query.Limit);
        var rows = 0;
        SearchMethod? method = null;
        string? productCategory = null;
        Swatch? productSwatch = null;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                rows++;
                method = reader.GetBoolean(6) ? SearchMethod.Exact : SearchMethod.Hnsw;
                productCategory = reader.IsDBNull(7) ? null : reader.GetString(7);
                productSwatch = ReadSwatch(reader, 11);
                Verdict? review = reader.IsDBNull(8) ? null : reader.GetString(8) == "confirmed" ? Verdict.Confirmed : Verdict.Rejected;
                if (review == Verdict.Rejected || hits.Count == query.Limit) continue;
                // minScore filters the `limit` nearest, so filtering here, on the rounded score, is the same
                // query; a confirmed pair is a variant whatever it scores, so variantsOnly keeps it.
                var score = VariantHit.Round(reader.GetDouble(1));
                if (score < query.MinScore && review != Verdict.Confirmed) continue;
                hits.Add(new VariantHit(
                    reader.GetString(0),
                    score,
                    reader.IsDBNull(2) ? null : reader.GetString(2),
                    reader.IsDBNull(3) ? null : reader.GetString(3),
                    reader.IsDBNull(4) ? null : reader.GetString(4),
                    reader.GetFieldValue<byte[]>(5),
                    review,
                    ReadSwatch(reader, 9),
                    reader.GetBoolean(13),
                    reader.IsDBNull(14) ? null : reader.GetFieldValue<float[]>(14)));
            }
        }
        if (rows == 0) return await NoRowsAsync(query, model, started, cancellationToken);
        metrics.Search(method!.Value, Stopwatch.GetElapsedTime(started));
        return new VariantResult(hits, productCategory, ProductSwatch: productSwatch);
    }

    /// <summary>
    /// Each block's cosine between a hit and the query, for a model of several blocks (the
    /// verifier reads them): the cosine distance of the block's slices, since each block is a unit
    /// vector scaled by its weight. Only the returned rows pay for it.
    /// </summary>
    private static string BlockScores(ActiveModel model, string vector)
    {
        if (model.Blocks.Count < 2) return "NULL::real[]";
        var offset = 1; // subvector counts from 1
        var cosines = new List<string>();
        foreach (var block in model.Blocks)
        {
            cosines.Add(string.Create(CultureInfo.InvariantCulture,
                $"1 - (subvector(n.embedding{VectorCast(model)}, {offset}, {block.Length}) <=> subvector({vector}{VectorCast(model)}, {offset}, {block.Length}))"));
            offset += block.Length;
        }
        return $"ARRAY[{string.Join(", ", cosines)}]::real[]";
    }

    /// <summary>
    /// No row back: a product query may have had nothing to search from (unknown sku, no vector of
    /// the model for its current image) or no category to filter by (then it searches unfiltered, as
    /// asked by sameCategory for a product without one); else nothing matched. The rare case pays a
    /// second statement, which also counts the category for the search metric.
    /// </summary>
    private async Task<VariantResult> NoRowsAsync(VariantQuery query, ActiveModel model, long started, CancellationToken cancellationToken)
    {
        if (query.Vector is not null)
        {
            var categoryVectors = query.Category is null ? 0 : await CountCategoryAsync(model, query.Category, cancellationToken);
            metrics.Search(searchPlan.Choose(query.Category, categoryVectors), Stopwatch.GetElapsedTime(started));
            return new VariantResult([]);
        }
        var product = await FindQueryProductAsync(query.ProductSku!, model, countCategory: query.ProductsCategory, cancellationToken);
        if (product is null) return new VariantResult([], null, QueryProductState.Unknown);
        if (product.Vector is null) return new VariantResult([], product.Category, QueryProductState.NotEmbedded);
        if (query.ProductsCategory && product.Category is null)
        {
            // The unfiltered statement by the vector just read, the product still left out.
            var unfiltered = await FindVariantsAsync(query with { Vector = product.Vector, ProductsCategory = false }, model, cancellationToken);
            return unfiltered with { ProductCategory = null };
        }
        var category = query.ProductsCategory ? product.Category : null;
        metrics.Search(searchPlan.Choose(category, product.CategoryVectors ?? 0), Stopwatch.GetElapsedTime(started));
        return new VariantResult([], product.Category);
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
