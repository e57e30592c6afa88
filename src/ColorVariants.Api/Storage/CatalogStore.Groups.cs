using ColorVariants.Api.Models;
using ColorVariants.Core.Evaluation;
using ColorVariants.Core.Images;
using Npgsql;
using NpgsqlTypes;
using Pgvector;

namespace ColorVariants.Api.Storage;

/// <summary>A product as a group lists it.</summary>
public sealed record GroupMember(string Sku, string? Category, string? Name, string? Colour, byte[] ImageSha256, Swatch? Swatch);

/// <summary>A group in a listing: its id, the category it was grouped under ('' none), its size.</summary>
public sealed record GroupSummary(string GroupId, string Category, int Size);

/// <summary>Variant groups: one category's rows replaced at a time, read by product, by group, by page, or all at once.</summary>
public sealed partial class CatalogStore
{
    /// <summary>The searchable vectors of one category's products ('' for those without one), by sku.</summary>
    public async Task<IReadOnlyList<(EmbeddedItem Item, string? SwatchHex)>> CategoryVectorsAsync(ActiveModel model, string category, CancellationToken cancellationToken)
    {
        await using var command = _writes.CreateCommand($"""
            SELECT p.sku, {ActiveVector(model, "e")}, p.swatch_hex FROM products p
            JOIN embeddings e ON e.{ModelFilter(model)} AND e.sku = p.sku AND e.image_sha256 = p.image_sha256
            WHERE coalesce(p.category, '') = @category
            ORDER BY p.sku
            """);
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
    /// Replaces the groups of one category by <paramref name="groups"/> (sku, group id) in one
    /// transaction, and returns the other categories its skus were grouped under before (products
    /// that moved): those need regrouping too.
    /// </summary>
    public async Task<IReadOnlyList<string>> ReplaceCategoryGroupsAsync(ActiveModel model, string category,
        IReadOnlyList<(string Sku, string GroupId)> groups, CancellationToken cancellationToken)
    {
        var skus = groups.Select(g => g.Sku).ToArray();
        var sizes = groups.GroupBy(g => g.GroupId).ToDictionary(g => g.Key, g => g.Count());
        await using var connection = await _writes.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var moved = new List<string>();
        await using (var read = new NpgsqlCommand($"""
            SELECT DISTINCT category FROM variant_groups WHERE model_id = {model.Id} AND sku = ANY(@skus) AND category <> @category
            """, connection, transaction))
        {
            read.Parameters.AddWithValue("skus", skus);
            read.Parameters.AddWithValue("category", category);
            await using var reader = await read.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken)) moved.Add(reader.GetString(0));
        }
        await using (var delete = new NpgsqlCommand($"DELETE FROM variant_groups WHERE model_id = {model.Id} AND (category = @category OR sku = ANY(@skus))", connection, transaction))
        {
            delete.Parameters.AddWithValue("category", category);
            delete.Parameters.AddWithValue("skus", skus);
            await delete.ExecuteNonQueryAsync(cancellationToken);
        }
        await using (var insert = new NpgsqlCommand($"""
            INSERT INTO variant_groups (model_id, sku, category, group_id, size)
            SELECT {model.Id}, g.sku, @category, g.group_id, g.size FROM unnest(@skus, @groups, @sizes) AS g (sku, group_id, size)
            """, connection, transaction))
        {
            insert.Parameters.AddWithValue("category", category);
            insert.Parameters.AddWithValue("skus", skus);
            insert.Parameters.AddWithValue("groups", groups.Select(g => g.GroupId).ToArray());
            insert.Parameters.AddWithValue("sizes", groups.Select(g => sizes[g.GroupId]).ToArray());
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return moved;
    }

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
