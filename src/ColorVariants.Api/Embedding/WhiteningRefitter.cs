using System.Diagnostics;
using System.Text.Json.Serialization;
using ColorVariants.Api.Infrastructure;
using ColorVariants.Api.Storage;
using ColorVariants.Api.Variants;
using ColorVariants.Core.Colour;
using ColorVariants.Core.Embedding;
using ColorVariants.Core.Images;
using Microsoft.Extensions.Options;

namespace ColorVariants.Api.Embedding;

[JsonConverter(typeof(JsonStringEnumConverter<RefitOutcome>))]
public enum RefitOutcome { Fitted, NotDue, TooFewVectors, Reembedding, Superseded }

/// <summary>The active model's whitening, as GET /models/active shows it.</summary>
/// <param name="FittedOn">Vectors the whitening was fitted on; null when the model has none and serves its raw vectors.</param>
/// <param name="Rank">Principal directions kept (at most the dimension, and fewer than the vectors fitted on).</param>
/// <param name="Version">Goes up by one with every refit; 0: never fitted.</param>
/// <param name="Vectors">The model's vectors now.</param>
/// <param name="RefitAtLeast">A refit is due once the model has this many vectors...</param>
/// <param name="RefitAtMost">...or this few (null: no lower bound, it would leave too few to fit on).</param>
public sealed record WhiteningStatus(
    bool Fitted, int? FittedOn, DateTimeOffset? FittedAt, int? Rank, int Version, int Vectors,
    bool AutomaticRefits, int RefitAtLeast, int? RefitAtMost, string NextRefit);

/// <summary>What a refit did.</summary>
public sealed record WhiteningRefit(RefitOutcome Outcome, string Detail, int ReprojectedVectors, double Seconds, WhiteningStatus Whitening);

/// <summary>
/// Fits the active model's whitening on its raw vectors and re-projects the catalog with it, when
/// <see cref="WhiteningPolicy"/> says it is due (Maintenance CatalogMaintenance checks every
/// <see cref="WhiteningRefitOptions.CheckIntervalSeconds"/>) or now via POST /models/active/whitening. The fit
/// runs on a lock-free read; the re-projection fills the model's idle slot page by page while the
/// active one serves and uploads store both projections, and a switch flips them (CatalogStore,
/// "Whitening"): no upload waits for a refit. A whitening that cannot be fitted leaves the vectors
/// as they are, and never stops the service.
/// </summary>
public sealed class WhiteningRefitter(
    CatalogStore store,
    ActiveWhitening whitening,
    Models.ServedModel models,
    CatalogReembedder reembedder,
    IOptions<WhiteningRefitOptions> options,
    ILogger<WhiteningRefitter> logger)
{
    private readonly SemaphoreSlim _oneAtATime = new(1, 1);
    private int? _previousCount; // the vector count the previous check found (under _oneAtATime)
    private bool _fittedWhileBusy; // the last fit of this instance came while products arrived (under _oneAtATime)
    private WhiteningPolicy Policy => WhiteningPolicy.From(options.Value);

    /// <param name="force">Refit even when the policy does not call for it yet (the endpoint); the minimum still holds.</param>
    public async Task<WhiteningRefit> RefitAsync(bool force, CancellationToken cancellationToken)
    {
        await _oneAtATime.WaitAsync(cancellationToken);
        try
        {
            var started = Stopwatch.GetTimestamp();
            var model = models.Active;
            var policy = Policy;
            var current = await store.CurrentWhiteningAsync(model, cancellationToken);
            var vectors = await store.CountVectorsAsync(model, cancellationToken);
            WhiteningRefit Answer(RefitOutcome outcome, string detail, int rows = 0) =>
                new(outcome, detail, rows, Math.Round(Stopwatch.GetElapsedTime(started).TotalSeconds, 3), Status(current, vectors));

            // Half a catalog of a new model would give a whitening of half a catalog.
            if (reembedder.Status.Running)
                return Answer(RefitOutcome.Reembedding,
                    $"The catalog is being re-embedded for model {model.Name} ({reembedder.Status.Done} of {reembedder.Status.Total}); its whitening is fitted once that is done.");
            if (vectors < policy.MinimumVectors)
                return Answer(RefitOutcome.TooFewVectors,
                    $"Model {model.Name} has {vectors} vectors; a whitening is fitted on at least {policy.MinimumVectors} (Whitening:MinimumVectors). Nothing was changed.");
            // Quiet: nothing arrived or left since the previous check (a bulk import is not under way).
            var quiet = vectors == _previousCount;
            _previousCount = vectors;
            if (!force && current.Pending is null && !policy.IsDue(vectors, current.Whitening?.SampleCount, quiet, _fittedWhileBusy))
                return Answer(RefitOutcome.NotDue, $"Not due: {policy.Describe(vectors, current.Whitening?.SampleCount)}.");

            // A refit a stopped process left pending is carried on (its pages are idempotent), unless asked for a new fit.
            RefitInProgress? refit = null;
            string fittedDetail;
            if (!force && current.Pending is { } pending)
            {
                refit = new RefitInProgress(pending.Id, 1 - current.Slot, pending.Whitening);
                fittedDetail = $"Carried on the refit left pending (fitted on {pending.Whitening.SampleCount} vectors, rank {pending.Whitening.Rank})";
            }
            else
            {
                var input = await store.ReadWhiteningInputAsync(model, cancellationToken);
                if (input.Rows.Count < policy.MinimumVectors)
                    return Answer(RefitOutcome.TooFewVectors, $"Model {model.Name} has only {input.Rows.Count} vectors left; nothing was changed.");
                var (fitted, learnedFrom) = await Task.Run(() => Fit(input, model.Whitening, options.Value.LearnFromPairs), cancellationToken);
                fittedDetail = $"Fitted on {fitted.SampleCount} vectors (rank {fitted.Rank}, {learnedFrom}) in {Stopwatch.GetElapsedTime(started).TotalSeconds:0.0} s";
                refit = await store.BeginRefitAsync(model, current.Version, fitted, cancellationToken);
            }
            if (refit is null)
                return Answer(RefitOutcome.Superseded, "Another refit (perhaps another instance's) stored a whitening meanwhile; this one was dropped and nothing else changed.");

            // Uploads go on meanwhile and store both projections; searches read the active slot.
            var reprojecting = Stopwatch.GetTimestamp();
            var rows = 0;
            for (var after = ""; ;)
            {
                var page = Stopwatch.GetTimestamp();
                var (read, last) = await store.ReprojectPageAsync(model, refit, after, cancellationToken);
                if (last is null) break;
                rows += read;
                after = last;
                // A full page may have more behind it: yield the cores to uploads for half the time the
                // page took (its index inserts compete with their inference), so the refit never hogs them.
                if (read == CatalogStore.RefitPageSize) await Task.Delay(Stopwatch.GetElapsedTime(page) / 2, cancellationToken);
            }
            var reprojectSeconds = Stopwatch.GetElapsedTime(reprojecting).TotalSeconds;
            var replaced = await store.SwitchWhiteningAsync(model, current.Version, refit, cancellationToken);
            if (replaced is null)
                return Answer(RefitOutcome.Superseded, "Another refit (perhaps another instance's) replaced this one meanwhile; it was dropped and nothing else changed.");
            current = whitening.Adopt(new StoredWhitening(replaced.Version, null, refit.Whitening.SampleCount, replaced.FittedAt, replaced.Slot, null, null), refit.Whitening);
            vectors = await store.CountVectorsAsync(model, cancellationToken);
            var detail = $"{fittedDetail}; re-projected {rows} vectors of model {model.Name} into slot {replaced.Slot} in {reprojectSeconds:0.0} s while uploads went on, then switched to it.";
            logger.LogInformation("Whitening version {Version}: {Detail}", replaced.Version, detail);
            _fittedWhileBusy = !force && !quiet;
            return Answer(RefitOutcome.Fitted, detail, rows);
        }
        finally
        {
            _oneAtATime.Release();
        }
    }

    /// <summary>
    /// Core VariantWhitening on the catalog: the mined pairs (mutual neighbours of other colours)
    /// and the confirmed reviews teach it what variants differ in. Without pairs to learn from, or
    /// with Whitening:LearnFromPairs off, the plain catalog whitening.
    /// </summary>
    private static (CatalogWhitening Whitening, string LearnedFrom) Fit(WhiteningInput input, WhiteningOptions whitening, bool learnFromPairs)
    {
        var raw = input.Rows.Select(r => r.Raw).ToList();
        if (!learnFromPairs) return (CatalogWhitening.Fit(raw, whitening), "catalog whitening only (Whitening:LearnFromPairs is off)");
        var colours = input.Rows.Select(r => r.SwatchHex is null ? (Lab?)null : Lab.FromRgb(Swatch.ParseHex(r.SwatchHex))).ToList();
        var confirmed = input.Confirmed.Select(p => (raw[p.A], raw[p.B])).ToList();
        var fit = VariantWhitening.Fit(raw, input.Rows.Select(r => r.Category).ToList(), colours, confirmed, whitening);
        var pairs = $"{fit.MinedPairs.Count} mined and {fit.GivenPairs} confirmed variant pairs";
        return (fit.Whitening, fit.Learned ? $"learned from {pairs}" : $"catalog whitening only: {pairs}, fewer than {VariantWhitening.MinimumPairs}");
    }

    public async Task<WhiteningStatus> StatusAsync(CancellationToken cancellationToken)
    {
        var model = models.Active;
        var current = await store.CurrentWhiteningAsync(model, cancellationToken);
        return Status(current, await store.CountVectorsAsync(model, cancellationToken));
    }

    private WhiteningStatus Status(WhiteningSnapshot current, int vectors)
    {
        var policy = Policy;
        var fittedOn = current.Whitening?.SampleCount;
        var rule = policy.Describe(vectors, fittedOn, _fittedWhileBusy);
        var next = !options.Value.Enabled ? $"automatic refits are off (Whitening:Enabled), POST /models/active/whitening fits now; otherwise {rule}"
            : reembedder.Status.Running ? $"once the catalog is re-embedded for this model, then {rule}"
            : rule;
        return new WhiteningStatus(current.Whitening is not null, fittedOn, current.FittedAt, current.Whitening?.Rank, Math.Max(0, current.Version), vectors,
            options.Value.Enabled, policy.RefitAtLeast(fittedOn), policy.RefitAtMost(fittedOn), next);
    }
}
