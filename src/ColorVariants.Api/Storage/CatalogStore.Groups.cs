using ColorVariants.Api.Models;
using ColorVariants.Core.Evaluation;
using ColorVariants.Core.Images;
using Npgsql;
using NpgsqlTypes;
using Pgvector;

namespace ColorVariants.Api.Storage;

/// <summary>A product as a group lists it.</summary>
public sealed record GroupMember(string Sku, string? Category, string? Name, string? Colour, byte[] ImageSha256, Swatch? Swatch);

/// <summary>A product in the review queue: its least sure pair's other product, that pair's probability, how close to the threshold (banded), its group's size.</summary>
public sealed record QueuedReview(string Sku, string Candidate, float Probability, float Doubt, int GroupSize);

/// <summary>A group in a listing: its id, the category it was grouped under ('' none), its size.</summary>
public sealed record GroupSummary(string GroupId, string Category, int Size);

/// <summary>Variant groups: one category's rows replaced at a time, read by product, by group, by page, or all at once.</summary>
public sealed partial class CatalogStore
{
    /// <summary>
    /// Regrouping is background work stopped by its cancellation token: a category's read and its
    /// replacement get this long, not Npgsql's 30 s default, which a clean import of the dev set
    /// passed on a busy 2-core box (TimeoutException in the log, issue 22).
    /// </summary>
    private const int RegroupTimeoutSeconds = 600;

    /// <summary>The searchable vectors of one category's products ('' for those without one), by sku.</summary>
    public async Task<IReadOnlyList<(EmbeddedItem Item, string? SwatchHex)>> CategoryVectorsAsync(ActiveModel model, string category, CancellationToken cancellationToken)
    {
        await using var command = _writes.CreateCommand($"""
            SELECT p.sku, {ActiveVector(model, "e")}, p.swatch_hex FROM products p
            JOIN embeddings e ON e.{ModelFilter(model)} AND e.sku = p.sku AND e.image_sha256 = p.image_sha256
            WHERE coalesce(p.category, '') = @category
            ORDER BY p.sku
            """);
        command.CommandTimeout = RegroupTimeoutSeconds;
        command.Parameters.AddWithValue("category", category);
        var items = new List<(EmbeddedItem, string?)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            items.Add((new EmbeddedItem(reader.GetString(0), "", category, ToFloats(reader.GetFieldValue<HalfVector>(1))), reader.IsDBNull(2) ? null : reader.GetString(2)));
        return items;
    }

    /// <summary>Every category ('' for none) that has products, and every one the groups still list.</summary>
    public async Task<IReadOnlyList<string>> GroupedCategoriesAsync(ActiveModel model, CancellationToken cancellationToken)
    {
        await using var command = _writes.CreateCommand($"""
            SELECT DISTINCT coalesce(category, '') FROM products
            UNION SELECT DISTINCT category FROM variant_groups WHERE model_id = {model.Id}
            """);
        var categories = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) categories.Add(reader.GetString(0));
        return categories;
    }

    /// <summary>
    /// Replaces the groups of one category by <paramref name="groups"/> (sku, group id), and its
    /// review queue by <paramref name="queue"/>, in one transaction, and returns the other categories its skus were grouped under before (products
    /// that moved): those need regrouping too.
    /// </summary>
    public async Task<IReadOnlyList<string>> ReplaceCategoryGroupsAsync(ActiveModel model, string category,
        IReadOnlyList<(string Sku, string GroupId)> groups, IReadOnlyList<QueuedReview> queue, CancellationToken cancellationToken)
    {
        var skus = groups.Select(g => g.Sku).ToArray();
        var sizes = groups.GroupBy(g => g.GroupId).ToDictionary(g => g.Key, g => g.Count());
        await using var connection = await _writes.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var moved = new List<string>();
        await using (var read = new NpgsqlCommand($"""
            SELECT DISTINCT category FROM variant_groups WHERE model_id = {model.Id} AND sku = ANY(@skus) AND category <> @category
            """, connection, transaction) { CommandTimeout = RegroupTimeoutSeconds })
        {
            read.Parameters.AddWithValue("skus", skus);
            read.Parameters.AddWithValue("category", category);
            await using var reader = await read.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken)) moved.Add(reader.GetString(0));
        }
        await using (var delete = new NpgsqlCommand($"DELETE FROM variant_groups WHERE model_id = {model.Id} AND (category = @category OR sku = ANY(@skus))", connection, transaction) { CommandTimeout = RegroupTimeoutSeconds })
        {
            delete.Parameters.AddWithValue("category", category);
            delete.Parameters.AddWithValue("skus", skus);
            await delete.ExecuteNonQueryAsync(cancellationToken);
        }
        await using (var insert = new NpgsqlCommand($"""
            INSERT INTO variant_groups (model_id, sku, category, group_id, size)
            SELECT {model.Id}, g.sku, @category, g.group_id, g.size FROM unnest(@skus, @groups, @sizes) AS g (sku, group_id, size)
            """, connection, transaction) { CommandTimeout = RegroupTimeoutSeconds })
        {
            insert.Parameters.AddWithValue("category", category);
            insert.Parameters.AddWithValue("skus", skus);
            insert.Parameters.AddWithValue("groups", groups.Select(g => g.GroupId).ToArray());
            insert.Parameters.AddWithValue("sizes", groups.Select(g => sizes[g.GroupId]).ToArray());
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }
        // The review queue of the category, from the same lists.
        await using (var replace = new NpgsqlCommand($"""
            DELETE FROM review_queue WHERE model_id = {model.Id} AND (category = @category OR sku = ANY(@skus));
            INSERT INTO review_queue (model_id, sku, category, candidate_sku, probability, doubt, group_size)
            SELECT {model.Id}, q.sku, @category, q.candidate, q.probability, q.doubt, q.size
            FROM unnest(@queued, @candidates, @probabilities, @doubts, @queueSizes) AS q (sku, candidate, probability, doubt, size)
            """, connection, transaction) { CommandTimeout = RegroupTimeoutSeconds })
        {
            replace.Parameters.AddWithValue("category", category);
            replace.Parameters.AddWithValue("skus", skus);
            replace.Parameters.AddWithValue("queued", queue.Select(q => q.Sku).ToArray());
            replace.Parameters.AddWithValue("candidates", queue.Select(q => q.Candidate).ToArray());
            replace.Parameters.AddWithValue("probabilities", queue.Select(q => q.Probability).ToArray());
            replace.Parameters.AddWithValue("doubts", queue.Select(q => q.Doubt).ToArray());
            replace.Parameters.AddWithValue("queueSizes", queue.Select(q => q.GroupSize).ToArray());
            await replace.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return moved;
    }

    /// <summary>
    /// A page of the review queue: least sure first (closest to the threshold, in bands), larger
    /// groups first within a band; each product and its candidate as a page shows them. Entries whose
    /// pair was reviewed since the last regrouping are left out. Also how many are waiting.
    /// </summary>
    public async Task<(IReadOnlyList<(GroupMember Product, GroupMember Candidate, float Probability, int GroupSize)> Page, long Waiting)> ReviewQueueAsync(
        ActiveModel model, int offset, int limit, CancellationToken cancellationToken)
    {
        const string Unreviewed = "NOT EXISTS (SELECT 1 FROM reviews r WHERE r.sku_a = least(q.sku, q.candidate_sku) AND r.sku_b = greatest(q.sku, q.candidate_sku))";
        await using var command = _reads.CreateCommand($"""
            SELECT p.sku, p.category, p.name, p.colour, p.image_sha256, p.swatch_hex, p.swatch_name,
                   c.sku, c.category, c.name, c.colour, c.image_sha256, c.swatch_hex, c.swatch_name, q.probability, q.group_size,
                   count(*) OVER () AS waiting
            FROM review_queue q JOIN products p ON p.sku = q.sku JOIN products c ON c.sku = q.candidate_sku
            WHERE q.model_id = {model.Id} AND {Unreviewed}
            ORDER BY q.doubt, q.group_size DESC, q.sku
            OFFSET @offset LIMIT @limit
            """);
        command.Parameters.AddWithValue("offset", offset);
        command.Parameters.AddWithValue("limit", limit);
        var page = new List<(GroupMember, GroupMember, float, int)>();
        long waiting = 0;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                page.Add((Member(reader, 0), Member(reader, 7), reader.GetFloat(14), reader.GetInt32(15)));
                waiting = reader.GetInt64(16);
            }
        }
        if (page.Count == 0 && offset > 0)
        {
            // Past the end: the count alone.
            await using var count = _reads.CreateCommand($"SELECT count(*) FROM review_queue q WHERE q.model_id = {model.Id} AND {Unreviewed}");
            waiting = (long)(await count.ExecuteScalarAsync(cancellationToken))!;
        }
        return (page, waiting);
    }

    private static GroupMember Member(NpgsqlDataReader reader, int at) => new(reader.GetString(at), reader.IsDBNull(at + 1) ? null : reader.GetString(at + 1),
        reader.IsDBNull(at + 2) ? null : reader.GetString(at + 2), reader.IsDBNull(at + 3) ? null : reader.GetString(at + 3), reader.GetFieldValue<byte[]>(at + 4), ReadSwatch(reader, at + 5));

    public async Task<string?> GroupOfAsync(ActiveModel model, string sku, CancellationToken cancellationToken)
    {
        await using var command = _reads.CreateCommand($"SELECT group_id FROM variant_groups WHERE model_id = {model.Id} AND sku = @sku");
        command.Parameters.AddWithValue("sku", sku);
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    /// <summary>The group's members by sku; empty when there is no such group.</summary>
    public async Task<IReadOnlyList<GroupMember>> GroupMembersAsync(ActiveModel model, string groupId, CancellationToken cancellationToken)
    {
        await using var command = _reads.CreateCommand($"""
            SELECT p.sku, p.category, p.name, p.colour, p.image_sha256, p.swatch_hex, p.swatch_name
            FROM variant_groups g JOIN products p ON p.sku = g.sku
            WHERE g.model_id = {model.Id} AND g.group_id = @group
            ORDER BY p.sku
            """);
        command.Parameters.AddWithValue("group", groupId);
        var members = new List<GroupMember>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            members.Add(new GroupMember(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1),
                reader.IsDBNull(2) ? null : reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetFieldValue<byte[]>(4), ReadSwatch(reader, 5)));
        return members;
    }

    /// <summary>A page of groups by id after <paramref name="after"/> (keyset paging), optionally of one category and from a size.</summary>
    public async Task<IReadOnlyList<GroupSummary>> ListGroupsAsync(ActiveModel model, string? category, int minSize, string? after, int limit,
        CancellationToken cancellationToken)
    {
        await using var command = _reads.CreateCommand($"""
            SELECT DISTINCT group_id, category, size FROM variant_groups
            WHERE model_id = {model.Id} AND size >= @minSize AND (@category::text IS NULL OR category = @category)
              AND (@after::text IS NULL OR group_id > @after)
            ORDER BY group_id LIMIT @limit
            """);
        command.Parameters.AddWithValue("minSize", minSize);
        command.Parameters.Add(new NpgsqlParameter("category", NpgsqlDbType.Text) { Value = (object?)category ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("after", NpgsqlDbType.Text) { Value = (object?)after ?? DBNull.Value });
        command.Parameters.AddWithValue("limit", limit);
        var groups = new List<GroupSummary>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) groups.Add(new GroupSummary(reader.GetString(0), reader.GetString(1), reader.GetInt32(2)));
        return groups;
    }

    /// <summary>Every (group id, sku) of the model, by group then sku, streamed as read.</summary>
    public async IAsyncEnumerable<(string GroupId, string Sku)> ExportGroupsAsync(ActiveModel model, int minSize,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var command = _reads.CreateCommand($"SELECT group_id, sku FROM variant_groups WHERE model_id = {model.Id} AND size >= @minSize ORDER BY group_id, sku");
        command.Parameters.AddWithValue("minSize", minSize);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) yield return (reader.GetString(0), reader.GetString(1));
    }
}
