using System.Globalization;
using ColorVariants.Api.Embedding;
using ColorVariants.Api.Infrastructure;
using ColorVariants.Api.Models;
using Npgsql;
using Pgvector;

namespace ColorVariants.Api.Storage;

/// <summary>
/// Where the catalog's statements go. Writes, and the reads that must see the latest write (an
/// upload's unchanged check, the background jobs), go to <see cref="Writes"/>; the reads that
/// answer clients (products, images) go to <see cref="Reads"/>, and the variant statements to
/// <see cref="Searches"/>: the same server as <see cref="Reads"/>, with sorts off for the session
/// (CatalogStore.FindVariantsAsync says why). Both are the one primary today; a standby
/// registered as <see cref="Reads"/> would take the searches.
/// </summary>
public sealed class CatalogDataSources(NpgsqlDataSource writes, NpgsqlDataSource? reads = null, NpgsqlDataSource? searches = null) : IAsyncDisposable
{
    public NpgsqlDataSource Writes { get; } = writes;
    public NpgsqlDataSource Reads { get; } = reads ?? writes;
    public NpgsqlDataSource Searches { get; } = searches ?? reads ?? writes;

    public async ValueTask DisposeAsync()
    {
        if (!ReferenceEquals(Searches, Reads) && !ReferenceEquals(Searches, Writes)) await Searches.DisposeAsync();
        if (!ReferenceEquals(Reads, Writes)) await Reads.DisposeAsync();
        await Writes.DisposeAsync();
    }
}

/// <summary>
/// The catalog in PostgreSQL + pgvector, and the one type that speaks SQL to it (the schema's
/// migrations aside, <see cref="DatabaseMigrator"/>): products and their images, vectors per
/// model, model registration and its HNSW index, re-embedding batches, and the whitening.
/// Endpoints and background services use it directly. One file per concern:
/// CatalogStore.Products.cs, .Search.cs, .Models.cs, .Reembedding.cs, .Whitening.cs.
/// </summary>
/// <remarks>
/// A model's id and dimension are written into the SQL as literals (<see cref="ModelFilter"/>,
/// <see cref="IndexedVector"/>), so PostgreSQL matches the model's partial HNSW index
/// (WHERE model_id = N, on embedding::halfvec(D), one per whitening slot) in every plan, generic or custom.
/// </remarks>
public sealed partial class CatalogStore(
    CatalogDataSources dataSources,
    ActiveWhitening whitening,
    SearchPlan searchPlan,
    ServiceMetrics metrics,
    ILogger<CatalogStore> logger)
{
    private readonly NpgsqlDataSource _writes = dataSources.Writes;
    private readonly NpgsqlDataSource _reads = dataSources.Reads;
    private readonly NpgsqlDataSource _searches = dataSources.Searches;

    /// <summary>The database answers (readiness); the primary, since uploads need it.</summary>
    public async Task PingAsync(CancellationToken cancellationToken)
    {
        await using var command = _writes.CreateCommand("SELECT 1");
        await command.ExecuteScalarAsync(cancellationToken);
    }

    /// <summary><c>model_id = N</c>: the predicate of the model's partial index.</summary>
    private static string ModelFilter(ActiveModel model) => string.Create(CultureInfo.InvariantCulture, $"model_id = {model.Id}");

    /// <summary>The column of a whitening slot (migration 0007): what searches read while the model's whitening_slot names it.</summary>
    private static string SlotColumn(int slot) => slot == 0 ? "embedding" : "embedding_b";

    /// <summary><c>embedding::halfvec(D)</c> (or embedding_b's): the indexed expression of a slot.</summary>
    private static string IndexedVector(ActiveModel model, int slot) => string.Create(CultureInfo.InvariantCulture, $"{SlotColumn(slot)}::halfvec({model.Dimensions})");

    /// <summary>
    /// The searchable vector of <paramref name="alias"/>'s row, from the slot the model row names now:
    /// for reads that scan rows (groups, calibration), which no index serves anyway.
    /// </summary>
    private static string ActiveVector(ActiveModel model, string alias) => $"CASE WHEN {ActiveSlot(model)} = 0 THEN {alias}.embedding ELSE {alias}.embedding_b END";

    /// <summary>The slot the model row names now, as a one-time subquery of a statement.</summary>
    private static string ActiveSlot(ActiveModel model) => string.Create(CultureInfo.InvariantCulture, $"(SELECT whitening_slot FROM models WHERE id = {model.Id})");

    /// <summary><c>::halfvec(D)</c>, for a parameter compared with <see cref="IndexedVector"/>.</summary>
    private static string VectorCast(ActiveModel model) => string.Create(CultureInfo.InvariantCulture, $"::halfvec({model.Dimensions})");

    private static string IndexName(ActiveModel model, int slot) =>
        string.Create(CultureInfo.InvariantCulture, $"embeddings_hnsw_model_{model.Id}{(slot == 0 ? "" : "_b")}");

    private static HalfVector ToHalfVector(ReadOnlySpan<float> vector)
    {
        var halves = new Half[vector.Length];
        for (var i = 0; i < vector.Length; i++) halves[i] = (Half)vector[i];
        return new HalfVector(halves);
    }

    /// <summary>Exact: every half has a float of the same value, so a vector read and written back is unchanged.</summary>
    private static float[] ToFloats(HalfVector vector)
    {
        var halves = vector.Memory.Span;
        var floats = new float[halves.Length];
        for (var i = 0; i < halves.Length; i++) floats[i] = (float)halves[i];
        return floats;
    }
}
