using System.Threading.Channels;
using ColorVariants.Api.Embedding;
using ColorVariants.Api.Groups;
using ColorVariants.Api.Infrastructure;
using ColorVariants.Api.Swatches;
using ColorVariants.Api.Variants;
using Microsoft.Extensions.Options;

namespace ColorVariants.Api.Maintenance;

/// <summary>Where the background work stands, as GET /models/active shows it.</summary>
/// <param name="Running">The job under way (reembed, swatches, refit, regroup), or null when idle.</param>
/// <param name="Queued">Jobs waiting behind it.</param>
/// <param name="CategoriesToRegroup">Categories changed and not regrouped yet (an all-categories regroup counts one).</param>
public sealed record MaintenanceStatus(string? Running, int Queued, int CategoriesToRegroup);

/// <summary>
/// The one owner of the catalog's background work: a single worker takes typed jobs from one queue
/// and runs them one after another, so no two of them compete for the cores or step on each
/// other's rows. At start-up: re-embed (then the model's index), swatches, regroup every category.
/// Then as things happen: a whitening check every <see cref="WhiteningRefitOptions.CheckIntervalSeconds"/>
/// (a refit is followed by a calibration and a regroup of all), a regroup of each category an
/// upload, a delete or a review changed. Each job resumes after a failure (<see cref="ResumingWork"/>)
/// or, for the periodic check, at the next tick. Tests and endpoints await it
/// (<see cref="WhenIdleAsync"/>, <see cref="RefitNowAsync"/>) instead of polling.
/// </summary>
public sealed class CatalogMaintenance : BackgroundService
{
    private abstract record Job(string Name);
    private sealed record ReembedJob() : Job("reembed");
    private sealed record SwatchesJob() : Job("swatches");
    private sealed record RefitJob(bool Force, TaskCompletionSource<WhiteningRefit>? Reply) : Job("refit");
    private sealed record RegroupJob() : Job("regroup");

    /// <summary>How long a regroup waits for the rest of a burst of changes (a bulk import) before it runs.</summary>
    public static readonly TimeSpan RegroupSettle = TimeSpan.FromSeconds(1);

    private readonly Channel<Job> _jobs = Channel.CreateUnbounded<Job>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Lock _gate = new();
    private int _outstanding; // queued + running
    private TaskCompletionSource _idle = Completed();
    private string? _running;
    // Categories waiting for a regroup ('' for products without one), and whether all are.
    private readonly HashSet<string> _categories = new(StringComparer.Ordinal);
    private bool _allCategories, _regroupQueued, _checkQueued;
    private int _regrouping;
    // Callers of NextRefitCheckAsync waiting for a check to start (the check then completes them at its end).
    private List<TaskCompletionSource> _beforeCheck = [];

    private readonly CatalogStartup _startup;
    private readonly CatalogReembedder _reembedder;
    private readonly SwatchBackfill _swatches;
    private readonly WhiteningRefitter _refitter;
    private readonly VariantThresholds _thresholds;
    private readonly VariantGroups _groups;
    private readonly IOptions<WhiteningRefitOptions> _whitening;
    private readonly ILogger<CatalogMaintenance> _logger;

    public CatalogMaintenance(CatalogStartup startup, CatalogReembedder reembedder, SwatchBackfill swatches, WhiteningRefitter refitter,
        VariantThresholds thresholds, VariantGroups groups, IOptions<WhiteningRefitOptions> whitening, ILogger<CatalogMaintenance> logger)
    {
        (_startup, _reembedder, _swatches, _refitter, _thresholds, _groups, _whitening, _logger) =
            (startup, reembedder, swatches, refitter, thresholds, groups, whitening, logger);
        // Queued before anyone can ask, so WhenIdleAsync right after start-up waits for them.
        Enqueue(new ReembedJob());
        Enqueue(new SwatchesJob());
        RegroupAll();
    }

    public MaintenanceStatus Status
    {
        get
        {
            lock (_gate)
                return new MaintenanceStatus(_running, _outstanding - (_running is null ? 0 : 1), CategoriesToRegroup);
        }
    }

    /// <summary>Categories changed and not regrouped yet: 0 once the groups are up to date.</summary>
    public int CategoriesToRegroup
    {
        get
        {
            lock (_gate) return _categories.Count + (_allCategories ? 1 : 0) + _regrouping;
        }
    }

    /// <summary>Completes once no job is queued or running (at once when idle now).</summary>
    public Task WhenIdleAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate) return _idle.Task.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Completes when a scheduled whitening check that starts after this call has ended, whatever it
    /// did: what a test awaits to say "nothing happened" without sleeping for a guessed time.
    /// </summary>
    public Task NextRefitCheckAsync(CancellationToken cancellationToken = default)
    {
        if (!_whitening.Value.Enabled) throw new InvalidOperationException("Automatic whitening checks are off (Whitening:Enabled).");
        var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate) _beforeCheck.Add(waiter);
        return waiter.Task.WaitAsync(cancellationToken);
    }

    /// <summary>A category's products changed (an upload, a delete, a review): regroup it soon.</summary>
    public void CategoryChanged(string? category) => Regroup(category ?? "");

    /// <summary>Every category's groups may have changed (a new threshold, whitening or model).</summary>
    public void RegroupAll() => Regroup(null);

    /// <summary>Refit the whitening now (POST /models/active/whitening), after the jobs queued before it.</summary>
    public Task<WhiteningRefit> RefitNowAsync(CancellationToken cancellationToken)
    {
        // A re-embedding can take hours: answer at once rather than queue behind it.
        if (_reembedder.Status.Running) return _refitter.RefitAsync(force: true, cancellationToken);
        var reply = new TaskCompletionSource<WhiteningRefit>(TaskCreationOptions.RunContinuationsAsynchronously);
        Enqueue(new RefitJob(true, reply));
        return reply.Task.WaitAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await _startup.Completed.WaitAsync(stoppingToken);
            var checks = _whitening.Value.Enabled ? ScheduleChecksAsync(stoppingToken) : LogChecksOff();
            await foreach (var job in _jobs.Reader.ReadAllAsync(stoppingToken))
            {
                lock (_gate) _running = job.Name;
                try
                {
                    await RunAsync(job, stoppingToken);
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                {
                    _logger.LogError(e, "Background job {Job} failed; the service goes on answering.", job.Name);
                }
                finally
                {
                    Done();
                }
            }
            await checks;
        }
        catch (Exception) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: whatever the cut-off work threw (a cancelled read, a connection closed under it) ends here.
        }
    }

    private Task RunAsync(Job job, CancellationToken stoppingToken) => job switch
    {
        ReembedJob => ReembedAsync(stoppingToken),
        SwatchesJob => ResumingWork.RunAsync(async token => await _swatches.RunAsync(token),
            (e, pause) => _logger.LogError(e, "The swatch backfill failed; it resumes in {Seconds} s.", pause.TotalSeconds), stoppingToken),
        RefitJob refit => RefitAsync(refit, stoppingToken),
        RegroupJob => RegroupAsync(stoppingToken),
        _ => throw new InvalidOperationException($"No handler for {job}."),
    };

    private async Task ReembedAsync(CancellationToken stoppingToken)
    {
        if (await _reembedder.RunAsync(stoppingToken) > 0) RegroupAll(); // the groups of the new model, over every vector it now has
    }

    /// <summary>
    /// A whitening check (or a forced refit): refit when due; a refit is followed by a calibration
    /// of the threshold where labels allow and a regroup of every category (new scores).
    /// </summary>
    private async Task RefitAsync(RefitJob job, CancellationToken stoppingToken)
    {
        List<TaskCompletionSource> waiting = [];
        if (!job.Force)
            lock (_gate)
            {
                _checkQueued = false;
                (waiting, _beforeCheck) = (_beforeCheck, []);
            }
        try
        {
            var refit = await _refitter.RefitAsync(job.Force, stoppingToken);
            if (refit.Outcome == RefitOutcome.Fitted)
            {
                // The scores have a new scale: the variant threshold is calibrated again where labels allow.
                var recalibration = await _thresholds.CalibrateAsync(null, stoppingToken);
                if (recalibration.Outcome != CalibrationOutcome.Calibrated) _logger.LogInformation("Variant threshold after the refit: {Detail}", recalibration.Detail);
                RegroupAll(); // new scores, perhaps a new threshold
            }
            else
            {
                if (refit.Outcome is RefitOutcome.TooFewVectors or RefitOutcome.Reembedding or RefitOutcome.Superseded)
                    _logger.LogDebug("Whitening refit check: {Detail}", refit.Detail);
                // Another instance may have refitted or calibrated meanwhile.
                if (!job.Force) await _thresholds.LoadAsync(stoppingToken);
            }
            job.Reply?.TrySetResult(refit);
        }
        catch (Exception e) when (job.Reply is null && !stoppingToken.IsCancellationRequested)
        {
            _logger.LogError(e, "Whitening refit failed; trying again in {Seconds} s.", _whitening.Value.CheckIntervalSeconds);
        }
        catch (Exception e)
        {
            job.Reply?.TrySetException(e); // the endpoint answers it; the worker logs it
            throw;
        }
        finally
        {
            foreach (var waiter in waiting) waiter.TrySetResult();
        }
    }

    /// <summary>Regroups what changed, after a moment for the rest of a burst to arrive.</summary>
    private async Task RegroupAsync(CancellationToken stoppingToken)
    {
        await Task.Delay(RegroupSettle, stoppingToken);
        string[] categories;
        bool all;
        lock (_gate)
        {
            (categories, all) = (_categories.ToArray(), _allCategories);
            _categories.Clear();
            (_allCategories, _regroupQueued) = (false, false);
            _regrouping = Math.Max(categories.Length + (all ? 1 : 0), 1);
        }
        try
        {
            await ResumingWork.RunAsync(async token =>
            {
                foreach (var moved in await _groups.RegroupAsync(categories, all, token)) CategoryChanged(moved);
            }, (e, pause) => _logger.LogError(e, "Regrouping {Count} categories failed; trying again in {Seconds} s.",
                all ? "all" : categories.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), pause.TotalSeconds), stoppingToken);
        }
        finally
        {
            lock (_gate) _regrouping = 0;
        }
    }

    private void Regroup(string? category)
    {
        lock (_gate)
        {
            if (category is null) _allCategories = true;
            else _categories.Add(category);
            if (_regroupQueued) return;
            _regroupQueued = true;
            Enqueue(new RegroupJob());
        }
    }

    private async Task ScheduleChecksAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(_whitening.Value.CheckIntervalSeconds));
        do
        {
            lock (_gate)
            {
                // Not twice in the queue: the previous check may still wait behind a long job.
                if (!_checkQueued)
                {
                    _checkQueued = true;
                    Enqueue(new RefitJob(false, null));
                }
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private Task LogChecksOff()
    {
        _logger.LogInformation("Automatic whitening refits are off (Whitening:Enabled); POST /models/active/whitening fits on demand.");
        return Task.CompletedTask;
    }

    private void Enqueue(Job job)
    {
        lock (_gate)
        {
            if (_outstanding++ == 0) _idle = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _jobs.Writer.TryWrite(job);
        }
    }

    private void Done()
    {
        lock (_gate)
        {
            _running = null;
            if (--_outstanding == 0) _idle.TrySetResult();
        }
    }

    private static TaskCompletionSource Completed()
    {
        var done = new TaskCompletionSource();
        done.SetResult();
        return done;
    }
}
