using ColorVariants.Api.Models;
using ColorVariants.Api.Storage;
using ColorVariants.Core.Embedding;

namespace ColorVariants.Api.Embedding;

/// <summary>One version of the active model's whitening, or its absence (version 0: never fitted).</summary>
public sealed record WhiteningSnapshot(int Version, CatalogWhitening? Whitening, DateTimeOffset? FittedAt)
{
    /// <summary>Before anything was read: matches no stored version, so the first use loads.</summary>
    public static WhiteningSnapshot Unknown { get; } = new(-1, null, null);

    /// <summary>The searchable vector of a raw model vector under this whitening.</summary>
    public float[] Project(float[] raw) => Project(Whitening, raw);

    /// <summary>
    /// The one place a raw vector becomes a searchable one: whitened when the model has a
    /// whitening, else the model's own (already L2-normalised) output, unchanged.
    /// </summary>
    /// <remarks>
    /// The whitening reads the raw vector as it is stored (halfvec), so the vector an upload stores
    /// is exactly the one a refit would re-project from its raw row: at 2,304 dimensions the
    /// whitening magnifies the half-precision rounding of raw past 2e-3 otherwise.
    /// </remarks>
    public static float[] Project(CatalogWhitening? whitening, float[] raw)
    {
        if (whitening is null) return raw;
        var stored = new float[raw.Length];
        for (var i = 0; i < raw.Length; i++) stored[i] = (float)(Half)raw[i];
        return whitening.Apply(stored);
    }
}

/// <summary>
/// The active model's whitening as this process last read it. The catalog store re-checks its
/// version inside every writer's transaction (FOR SHARE), so a vector is never stored under a
/// whitening another instance has replaced meanwhile; searches check it per query
/// (<see cref="CatalogStore.CurrentWhiteningAsync"/>).
/// </summary>
public sealed class ActiveWhitening(ServedModel models, ILogger<ActiveWhitening> logger)
{
    private readonly Lock _gate = new();
    private WhiteningSnapshot _current = WhiteningSnapshot.Unknown;

    /// <summary>The newest whitening this process has seen.</summary>
    public WhiteningSnapshot Known => Volatile.Read(ref _current);

    /// <summary>Takes a version read from the database; versions only go up, so an older one never replaces a newer.</summary>
    public WhiteningSnapshot Adopt(StoredWhitening stored) =>
        Adopt(stored.Version, stored.Bytes is null ? null : CatalogWhitening.FromBytes(stored.Bytes), stored.FittedAt);

    /// <summary>Takes a whitening this process has just stored as <paramref name="version"/>.</summary>
    public WhiteningSnapshot Adopt(int version, CatalogWhitening? whitening, DateTimeOffset? fittedAt)
    {
        if (whitening is not null && whitening.Dimensions != models.Active.Dimensions)
            throw new InvalidOperationException($"The stored whitening has {whitening.Dimensions} dimensions; model {models.Active.Name} has {models.Active.Dimensions}.");
        var snapshot = new WhiteningSnapshot(version, whitening, fittedAt);
        lock (_gate)
        {
            if (snapshot.Version <= _current.Version) return snapshot;
            // Every change is worth a line; the first read only when there is a whitening to serve.
            if (_current != WhiteningSnapshot.Unknown || whitening is not null)
                logger.LogInformation("Whitening of model {Model}: version {Version} ({State}).", models.Active.Name, snapshot.Version,
                    whitening is null ? "none" : $"fitted on {whitening.SampleCount} vectors, rank {whitening.Rank}");
            _current = snapshot;
        }
        return snapshot;
    }
}
