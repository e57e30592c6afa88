using ColorVariants.Api.Models;
using ColorVariants.Api.Storage;
using ColorVariants.Core.Embedding;

namespace ColorVariants.Api.Embedding;

/// <summary>A refit's whitening while it re-projects the catalog into the idle slot; <see cref="Id"/> is drawn by the refit.</summary>
public sealed record PendingWhitening(long Id, CatalogWhitening Whitening);

/// <summary>
/// One version of the active model's whitening, or its absence (version 0: never fitted): the slot
/// its vectors are searched in, and the refit under way, if any (writers store both projections).
/// </summary>
public sealed record WhiteningSnapshot(int Version, CatalogWhitening? Whitening, DateTimeOffset? FittedAt, int Slot = 0, PendingWhitening? Pending = null)
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

    /// <summary>
    /// Takes what was read from the database. Versions only go up, so an older one never replaces a
    /// newer; within a version only the pending refit changes (set, replaced, or cleared by the switch).
    /// </summary>
    /// <param name="fitted">The whitening of <paramref name="stored"/>'s version when this process has it already
    /// (a refit it just switched to): its bytes are then not serialised only to be parsed back.</param>
    public WhiteningSnapshot Adopt(StoredWhitening stored, CatalogWhitening? fitted = null)
    {
        lock (_gate)
        {
            var current = _current;
            if (stored.Version < current.Version) return current;
            var sameVersion = stored.Version == current.Version;
            if (sameVersion && stored.PendingId == current.Pending?.Id) return current;
            // A pending refit's bytes come only when its id differs from the one known at the read; another
            // thread may have taken a newer pending meanwhile, and then this read is the older one.
            if (stored.PendingId is { } id && id != current.Pending?.Id && stored.PendingBytes is null) return current;
            var whitening = sameVersion ? current.Whitening : fitted ?? (stored.Bytes is null ? null : CatalogWhitening.FromBytes(stored.Bytes));
            var pending = stored.PendingId is null ? null
                : stored.PendingId == current.Pending?.Id ? current.Pending
                : new PendingWhitening(stored.PendingId.Value, CatalogWhitening.FromBytes(stored.PendingBytes!));
            Check(whitening);
            if (pending is not null) Check(pending.Whitening);
            var snapshot = new WhiteningSnapshot(stored.Version, whitening, sameVersion ? current.FittedAt : stored.FittedAt, stored.Slot, pending);
            // Every change of version is worth a line; the first read only when there is a whitening to serve.
            if (!sameVersion && (current != WhiteningSnapshot.Unknown || whitening is not null))
                logger.LogInformation("Whitening of model {Model}: version {Version} in slot {Slot} ({State}).", models.Active.Name, snapshot.Version, snapshot.Slot,
                    whitening is null ? "none" : $"fitted on {whitening.SampleCount} vectors, rank {whitening.Rank}");
            _current = snapshot;
            return snapshot;
        }
    }

    private void Check(CatalogWhitening? whitening)
    {
        if (whitening is not null && whitening.Dimensions != models.Active.Dimensions)
            throw new InvalidOperationException($"The stored whitening has {whitening.Dimensions} dimensions; model {models.Active.Name} has {models.Active.Dimensions}.");
    }
}
