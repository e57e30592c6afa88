using System.Globalization;
using ColorVariants.Training.Data;
using ColorVariants.Training.Models;
using ColorVariants.Training.Trainers;
using Spectre.Console;

namespace ColorVariants.Cli.Training;

/// <summary>Runs a <see cref="Trainer"/> under Spectre progress bars: the image cache first, then one bar per epoch.</summary>
public static class TrainingConsole
{
    public static async Task<int> RunAsync(TrainingOptions options, CancellationToken cancellationToken)
    {
        TrainingCheck check;
        try
        {
            check = Trainer.Check(options);
        }
        catch (TrainingException e)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]{e.Message}[/]");
            return 1;
        }
        AnsiConsole.MarkupLineInterpolated($"[bold]{options.ModelName}[/]: {Describe(options)}");
        AnsiConsole.MarkupLineInterpolated($"Output: {Path.GetFullPath(options.OutputDirectory)}; image cache: {options.EffectiveCacheDirectory}");
        if (options.Labels is { } labels && check.Labels is { } used) ShowLabels(labels, used, options.LabelsOnly);
        var resume = check.Resume;
        if (resume is not null)
        {
            var last = resume.Epochs[^1];
            AnsiConsole.MarkupLineInterpolated(
                $"[yellow]Resuming[/] after epoch {resume.EpochsDone} of {options.Epochs} (loss {last.Loss:0.0000}) from {resume.Directory}.");
        }

        TrainingResult? result = null;
        try
        {
            await AnsiConsole.Progress()
                .AutoClear(false)
                .HideCompleted(false)
                .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(),
                    new ElapsedTimeColumn(), new RemainingTimeColumn())
                .StartAsync(async context =>
                {
                    var display = new ProgressDisplay(context, options);
                    result = await Task.Run(() => Trainer.Run(options, display.Reporter, cancellationToken), cancellationToken);
                });
        }
        catch (TrainingException e)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]{e.Message}[/]");
            return 1;
        }
        catch (OperationCanceledException)
        {
            AnsiConsole.MarkupLineInterpolated($"[yellow]Stopped.[/] The checkpoint keeps the last finished epoch; run the same command to resume.");
            return 130;
        }

        var done = result!;
        var table = new Table().Border(TableBorder.Simple).AddColumns("epoch", "loss", "active", "steps", "images/s", "steps/s", "seconds");
        foreach (var epoch in done.Epochs)
        {
            table.AddRow(
                Number(epoch.Epoch), epoch.Loss.ToString("0.0000", CultureInfo.InvariantCulture),
                epoch.ActiveFraction?.ToString("0.00", CultureInfo.InvariantCulture) ?? "",
                Number(epoch.Steps), epoch.ImagesPerSecond.ToString("0.0", CultureInfo.InvariantCulture),
                epoch.StepsPerSecond.ToString("0.00", CultureInfo.InvariantCulture), epoch.Seconds.ToString("0", CultureInfo.InvariantCulture));
        }
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLineInterpolated($"[green]Exported {done.ModelPath}[/]");
        AnsiConsole.MarkupLineInterpolated(
            $"Took {Duration(done.WallTime)} ({done.Images} images; cache {done.CacheTime.TotalSeconds:0.0} s). Report: {done.ReportPath}");
        return 0;
    }

    private static void ShowLabels(ReviewLabels labels, LabelSummary used, bool labelsOnly)
    {
        var styles = labelsOnly ? "the styles ignored" : "on top of the styles";
        AnsiConsole.MarkupLineInterpolated($"Labels: {labels.Confirmed} confirmed and {labels.Rejected} rejected pairs from {labels.Source}.");
        AnsiConsole.MarkupLineInterpolated(
            $"Used: {used.Confirmed} confirmed (positives, {styles}), {used.Rejected} rejected (hard negatives); {used.Groups} groups of two or more products.");
        AnsiConsole.MarkupLineInterpolated(
            $"Skipped: {used.SkippedValidation} touching validation styles (never trained on), {used.Conflicts} rejected pairs inside one group (label conflicts).");
        if (used.SkippedUnknown > 0)
            AnsiConsole.MarkupLineInterpolated($"[yellow]{used.SkippedUnknown} verdicts name skus that are not in the catalog; skipped.[/]");
    }

    private static string Describe(TrainingOptions o)
    {
        var batch = o.Method == TrainingMethod.Triplet
            ? $"P x K = {o.StylesPerBatch} x {o.ImagesPerStyle}, margin {o.Margin}"
            : $"batch {o.BatchSize}, temperature {o.EffectiveTemperature}";
        var moco = o.Method != TrainingMethod.Cvssl ? ""
            : o.MomentumEncoder ? $", parts {o.Parts}, momentum encoder {o.Momentum} with queue {o.QueueSize}"
            : $", parts {o.Parts}, in-batch negatives";
        return string.Create(CultureInfo.InvariantCulture,
            $"{o.InputSize} px {o.ColourMode.ToString().ToLowerInvariant()}, {o.Epochs} epochs, {batch}{moco}, lr {o.LearningRate} " +
            $"(backbone x{o.BackboneLearningRateScale}), frozen stages {o.FrozenStages}, split {o.Split.ToString().ToLowerInvariant()}, seed {o.Seed}, " +
            $"{o.Device.ToString().ToLowerInvariant()}{(o.Threads > 0 ? $" x{o.Threads} threads" : "")}{(o.MaxStepsPerEpoch is { } m ? $", at most {m} steps per epoch" : "")}.");
    }

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Duration(TimeSpan time) => time.TotalHours >= 1
        ? $"{(int)time.TotalHours}h {time.Minutes:00}m"
        : time.TotalMinutes >= 1 ? $"{(int)time.TotalMinutes}m {time.Seconds:00}s" : $"{time.TotalSeconds:0.0} s";

    /// <summary>Turns the trainer's reports into progress tasks; reports arrive on the training thread.</summary>
    private sealed class ProgressDisplay
    {
        private readonly ProgressContext _context;
        private readonly TrainingOptions _options;
        private readonly ProgressTask _cache;
        private ProgressTask? _epoch;
        private int _epochNumber;

        public ProgressDisplay(ProgressContext context, TrainingOptions options)
        {
            _context = context;
            _options = options;
            _cache = context.AddTask("decoding images into the cache", maxValue: 1);
            Reporter = new TrainingReporter
            {
                Cache = new SynchronousProgress<CacheProgress>(OnCache),
                Step = new SynchronousProgress<TrainingProgress>(OnStep),
            };
        }

        public TrainingReporter Reporter { get; }

        private void OnCache(CacheProgress progress)
        {
            _cache.MaxValue = Math.Max(1, progress.Total);
            _cache.Value = progress.Done;
            _cache.Description = $"image cache {progress.Done}/{progress.Total}";
            if (progress.Done == progress.Total) _cache.StopTask();
        }

        private void OnStep(TrainingProgress progress)
        {
            if (_epoch is null || progress.Epoch != _epochNumber)
            {
                if (!_cache.IsFinished) _cache.StopTask();
                _epoch?.StopTask();
                _epoch = _context.AddTask($"epoch {progress.Epoch}/{progress.Epochs}", maxValue: progress.StepsPerEpoch);
                _epochNumber = progress.Epoch;
            }
            _epoch.Value = progress.Step;
            var active = progress.ActiveFraction is { } a ? $" active {a:0.00}" : "";
            _epoch.Description = string.Create(CultureInfo.InvariantCulture,
                $"epoch {progress.Epoch}/{progress.Epochs} loss {progress.Loss:0.0000}{active} {progress.ImagesPerSecond:0.0} img/s, run ~{Duration(progress.Remaining)} left");
            if (progress.Step == progress.StepsPerEpoch) _epoch.StopTask();
        }
    }
}
