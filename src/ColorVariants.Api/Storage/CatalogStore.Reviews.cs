using Npgsql;

namespace ColorVariants.Api.Storage;

public enum Verdict { Confirmed, Rejected }

/// <summary>A stored verdict on the pair (<paramref name="SkuA"/>, <paramref name="SkuB"/>), skus in ordinal order.</summary>
public sealed record StoredReview(long Id, string SkuA, string SkuB, Verdict Verdict, string Reviewer, DateTimeOffset At);

/// <summary>Review verdicts: stored once per pair, listed, undone, and read where they override the model.</summary>
public sealed partial class CatalogStore
{
    private const string SelectReview = "SELECT id, sku_a, sku_b, verdict, reviewer, at FROM reviews";

    /// <summary>Stores (or replaces) the verdict on a pair and returns it, with the categories of the two products ('' none; null when gone).</summary>
    public async Task<(StoredReview Review, string?[] Categories)> SaveReviewAsync(string sku1, string sku2, Verdict verdict, string reviewer,
        CancellationToken cancellationToken)
    {
        var (a, b) = string.CompareOrdinal(sku1, sku2) < 0 ? (sku1, sku2) : (sku2, sku1);
        await using var command = _writes.CreateCommand($"""
            WITH saved AS (
                INSERT INTO reviews (sku_a, sku_b, verdict, reviewer) VALUES (@a, @b, @verdict, @reviewer)
                ON CONFLICT (sku_a, sku_b) DO UPDATE SET verdict = EXCLUDED.verdict, reviewer = EXCLUDED.reviewer, at = now()
                RETURNING id, sku_a, sku_b, verdict, reviewer, at)
            SELECT s.*, (SELECT coalesce(category, '') FROM products WHERE sku = s.sku_a), (SELECT coalesce(category, '') FROM products WHERE sku = s.sku_b)
            FROM saved s
            """);
        command.Parameters.AddWithValue("a", a);
        command.Parameters.AddWithValue("b", b);
        command.Parameters.AddWithValue("verdict", verdict == Verdict.Confirmed ? "confirmed" : "rejected");
        command.Parameters.AddWithValue("reviewer", reviewer);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (ReadReview(reader), [reader.IsDBNull(6) ? null : reader.GetString(6), reader.IsDBNull(7) ? null : reader.GetString(7)]);
    }

    /// <summary>Undoes a verdict; returns it (and its products' categories) or null when there was none.</summary>
    public async Task<(StoredReview Review, string?[] Categories)?> DeleteReviewAsync(long id, CancellationToken cancellationToken)
    {
        await using var command = _writes.CreateCommand("""
            WITH gone AS (DELETE FROM reviews WHERE id = @id RETURNING id, sku_a, sku_b, verdict, reviewer, at)
            SELECT g.*, (SELECT coalesce(category, '') FROM products WHERE sku = g.sku_a), (SELECT coalesce(category, '') FROM products WHERE sku = g.sku_b)
            FROM gone g
            """);
        command.Parameters.AddWithValue("id", id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken)) return null;
        return (ReadReview(reader), [reader.IsDBNull(6) ? null : reader.GetString(6), reader.IsDBNull(7) ? null : reader.GetString(7)]);
    }

    /// <summary>Verdicts by id after <paramref name="after"/>, optionally only those on pairs holding <paramref name="sku"/>.</summary>
    public async Task<IReadOnlyList<StoredReview>> ListReviewsAsync(string? sku, long? after, int limit, CancellationToken cancellationToken)
    {
        await using var command = _reads.CreateCommand($"""
            {SelectReview}
            WHERE (@sku::text IS NULL OR sku_a = @sku OR sku_b = @sku) AND id > @after
            ORDER BY id LIMIT @limit
            """);
        command.Parameters.Add(new NpgsqlParameter("sku", NpgsqlTypes.NpgsqlDbType.Text) { Value = (object?)sku ?? DBNull.Value });
        command.Parameters.AddWithValue("after", after ?? 0);
        command.Parameters.AddWithValue("limit", limit);
        return await ReadReviewsAsync(command, cancellationToken);
    }

    /// <summary>Every verdict by id, streamed as read: what /reviews/export writes.</summary>
    public async IAsyncEnumerable<StoredReview> ExportReviewsAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var command = _reads.CreateCommand($"{SelectReview} ORDER BY id");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) yield return ReadReview(reader);
    }

    /// <summary>Every verdict on a pair of two of <paramref name="skus"/>: what regrouping them applies.</summary>
    public async Task<IReadOnlyList<StoredReview>> ReviewsAmongAsync(IReadOnlyList<string> skus, CancellationToken cancellationToken)
    {
        await using var command = _writes.CreateCommand($"{SelectReview} WHERE sku_a = ANY(@skus) AND sku_b = ANY(@skus)");
        command.Parameters.AddWithValue("skus", skus.ToArray());
        return await ReadReviewsAsync(command, cancellationToken);
    }

    private static async Task<IReadOnlyList<StoredReview>> ReadReviewsAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var reviews = new List<StoredReview>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) reviews.Add(ReadReview(reader));
        return reviews;
    }

    private static StoredReview ReadReview(NpgsqlDataReader reader) => new(
        reader.GetInt64(0), reader.GetString(1), reader.GetString(2),
        reader.GetString(3) == "confirmed" ? Verdict.Confirmed : Verdict.Rejected,
        reader.GetString(4), reader.GetFieldValue<DateTimeOffset>(5));
}
