using System.Diagnostics;
using ColorVariants.Core.Catalog;
using ColorVariants.Core.Images;
using ColorVariants.Training.Data;
using ColorVariants.Training.Export;
using ColorVariants.Training.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ColorVariants.Training.Trainers;

/// <summary>
/// The epoch loop every method shares: cache the catalog's images, build the method's network on CNTK's
/// ResNet18, then per step load a batch, let the method make its views and loss, and step AdamW; checkpoint
/// after every epoch, resume from it, and finally export ONNX with the very preprocessing the views were
/// converted with. Deterministic for a seed: heads, sampling and augmentation are all seeded from it.
/// </summary>
public static class Trainer
{
    public const string ReportFile = "training.json";

    /// <summary>
    /// What <see cref="Run"/> checks before any work (options, device, catalog.csv, the output folder's
    /// checkpoint), throwing <see cref="TrainingException"/> where it would; returns the checkpoint a run
    /// would continue from (null for a fresh start) and what it makes of the review labels, if any.
    /// </summary>
    public static TrainingCheck Check(TrainingOptions options)
    {
        options = Prepare(options);
        TrainingDevices.Select(options.Device);
        var catalog = ReadCatalog(options.Catalog, checkImages: false);
        return new TrainingCheck(Checkpoint.Find(options, catalog.Fingerprint)?.Point, Labels(options, catalog)?.Summary);
    }

    /// <summary>Trains (or resumes, or only re-exports a finished run) and returns where the model went.</summary>
    public static TrainingResult Run(TrainingOptions options, TrainingReporter? reporter = null, CancellationToken cancellationToken = default)
    {
        var wall = Stopwatch.StartNew();
        options = Prepare(options);
        var device = TrainingDevices.Select(options.Device);
        if (options.Threads > 0) torch.set_num_threads(options.Threads);
        var catalog = ReadCatalog(options.Catalog, checkImages: true);
        var resume = Checkpoint.Find(options, catalog.Fingerprint);
        var labels = Labels(options, catalog);

        var cacheClock = Stopwatch.StartNew();
        using var cache = ImageTensorCache.Open(catalog,
            new ImageCacheOptions { Size = options.InputSize, Directory = options.EffectiveCacheDirectory, Filter = labels is null ? Filter(options) : labels.Selects },
            reporter?.Cache, cancellationToken);
        var cacheTime = cacheClock.Elapsed;
        if (cache.Count == 0) throw new TrainingException($"No image of {catalog.Root} is in the {options.Split} split (or none decodes).");

        var spec = PreprocessingSpec.CntkResNet(options.InputSize, options.ColourMode);
        using var objective = Objectives.Create(options, cache, spec, device, labels);
        Directory.CreateDirectory(options.OutputDirectory); // only once the run can start
        var stepsPerEpoch = Math.Min(objective.BatchesPerEpoch, options.MaxStepsPerEpoch ?? int.MaxValue);
        var baseRates = new List<double>();
        using var optimizer = CreateOptimizer(objective, options, baseRates);
        var schedule = new LearningRateSchedule(stepsPerEpoch * options.Epochs);

        var epochs = new List<EpochResult>();
        if (resume is { } found)
        {
            try
            {
                NetworkWeights.Load(objective.Network, Path.Combine(found.Point.Directory, Checkpoint.NetworkFile));
                optimizer.load_state_dict(Path.Combine(found.Point.Directory, Checkpoint.OptimizerFile));
                objective.LoadState(found.Point.Directory);
            }
            catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException)
            {
                throw new TrainingException($"The checkpoint in {found.Point.Directory} cannot be loaded ({e.Message}); delete it to start over.");
            }
            epochs.AddRange(found.State.Epochs);
        }

        var loop = new EpochLoop(options, cache, objective, optimizer, baseRates, schedule, stepsPerEpoch, reporter, device);
        for (var epoch = epochs.Count; epoch < options.Epochs; epoch++)
        {
            var result = loop.Run(epoch, cancellationToken);
            epochs.Add(result);
            Checkpoint.Save(options.OutputDirectory,
                new CheckpointState(Checkpoint.Format, options, catalog.Fingerprint, epochs.Count, epochs),
                directory =>
                {
                    NetworkWeights.Save(objective.Network, Path.Combine(directory, Checkpoint.NetworkFile));
                    optimizer.save_state_dict(Path.Combine(directory, Checkpoint.OptimizerFile));
                    objective.SaveState(directory);
                });
            reporter?.Epoch?.Report(result);
        }

        var modelPath = Path.Combine(options.OutputDirectory, options.ModelName + ".onnx");
        var metadata = new ExportMetadata(options.ModelName, options.Method, spec with { InputSize = options.EffectiveExportSize }, catalog.Fingerprint, options.Seed)
        {
            Source = $"CNTK ResNet18 (ImageNet) fine-tuned by {options.Method} on the {options.Split.ToString().ToLowerInvariant()} split of {Path.GetFileName(catalog.Root)}" +
                     (labels is null ? "" : $" with {labels.Summary.Confirmed} confirmed and {labels.Summary.Rejected} rejected pairs of reviewers" +
                                            (options.LabelsOnly ? " (labels only, no styles)" : "")),
        };
        objective.Export(metadata, modelPath);

        var reportPath = Path.Combine(options.OutputDirectory, ReportFile);
        TrainingJson.Write(reportPath, new TrainingReport(
            options.ModelName, modelPath, options, catalog.Fingerprint, cache.Count, stepsPerEpoch,
            cacheTime.TotalSeconds, cache.DecodedCount, resume?.Point.EpochsDone, epochs,
            epochs.Sum(e => e.Seconds), wall.Elapsed.TotalSeconds, DateTimeOffset.UtcNow, labels?.Summary));
        return new TrainingResult(modelPath, reportPath, epochs, resume?.Point.EpochsDone, cache.Count, cacheTime, wall.Elapsed);
    }

    private static TrainingOptions Prepare(TrainingOptions options)
    {
        options.Validate();
        return options.WithFullPaths();
    }

    private static CatalogFolder ReadCatalog(string folder, bool checkImages)
    {
        try
        {
            return CatalogFolder.Read(folder, checkImages);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or InvalidDataException)
        {
            throw new TrainingException(e.Message);
        }
    }

    private static LabelGroups? Labels(TrainingOptions options, CatalogFolder catalog) =>
        options.Labels is { } labels ? LabelGroups.Build(catalog.Entries, labels, options.LabelsOnly) : null;

    private static Func<CatalogEntry, bool>? Filter(TrainingOptions options) => options.Split switch
    {
        TrainingSplit.Train when options.Method == TrainingMethod.Triplet => CatalogSelection.TrainStyles,
        TrainingSplit.Train => CatalogSelection.NotValidation,
        TrainingSplit.Validation => CatalogSelection.ValidationStyles,
        _ => null,
    };

    /// <summary>AdamW with the heads at the base rate and the trainable backbone at <see cref="TrainingOptions.BackboneLearningRateScale"/> of it.</summary>
    private static AdamW CreateOptimizer(IObjective objective, TrainingOptions options, List<double> baseRates)
    {
        var groups = new List<AdamW.ParamGroup>();
        void Add(IEnumerable<Parameter> parameters, double rate)
        {
            var list = parameters.ToList();
            if (list.Count == 0) return;
            groups.Add(new AdamW.ParamGroup(list, lr: rate, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: options.WeightDecay));
            baseRates.Add(rate);
        }
        Add(objective.HeadParameters, options.LearningRate);
        Add(objective.BackboneParameters, options.LearningRate * options.BackboneLearningRateScale);
        return torch.optim.AdamW(groups, options.LearningRate, beta1: 0.9, beta2: 0.999, weight_decay: options.WeightDecay);
    }

    /// <summary>One epoch's steps, its timing and its reports.</summary>
    private sealed class EpochLoop(
        TrainingOptions options,
        ImageTensorCache cache,
        IObjective objective,
        AdamW optimizer,
        IReadOnlyList<double> baseRates,
        LearningRateSchedule schedule,
        int stepsPerEpoch,
        TrainingReporter? reporter,
        Device device)
    {
        private readonly Stopwatch _session = new();
        private int _sessionSteps;

        public EpochResult Run(int epoch, CancellationToken cancellationToken)
        {
            objective.Network.train();
            using var generator = new Generator(TrainingSeeds.Augmentation(options.Seed, epoch), CPU);
            var clock = Stopwatch.StartNew();
            _session.Start();
            double lossSum = 0, activeSum = 0;
            var hasActive = false;
            var steps = 0;
            var images = 0;
            foreach (var batch in objective.Batches(epoch).Take(stepsPerEpoch))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var factor = schedule.Factor(epoch * stepsPerEpoch + steps);
                var i = 0;
                foreach (var group in optimizer.ParamGroups) group.LearningRate = baseRates[i++] * factor;

                float loss;
                double? active;
                using (torch.NewDisposeScope())
                {
                    var rgb = cache.Batch(batch.Indices, device);
                    var step = objective.Loss(rgb, batch, generator);
                    optimizer.zero_grad();
                    step.Loss.backward();
                    optimizer.step();
                    loss = step.Loss.item<float>();
                    active = step.ActiveFraction;
                }
                if (!float.IsFinite(loss))
                    throw new TrainingException(
                        $"The loss became {loss} at epoch {epoch + 1}, step {steps + 1}; the checkpoint keeps the last good epoch. Try a lower --lr.");
                objective.AfterOptimizerStep();

                steps++;
                _sessionSteps++;
                images += batch.Indices.Length;
                lossSum += loss;
                if (active is { } a)
                {
                    activeSum += a;
                    hasActive = true;
                }
                var stepsLeft = (options.Epochs - epoch) * stepsPerEpoch - steps;
                reporter?.Step?.Report(new TrainingProgress(
                    epoch + 1, options.Epochs, steps, stepsPerEpoch, lossSum / steps, hasActive ? activeSum / steps : null,
                    images / Math.Max(clock.Elapsed.TotalSeconds, 1e-9), _session.Elapsed,
                    _session.Elapsed / _sessionSteps * stepsLeft));
            }
            _session.Stop();
            if (steps == 0) throw new TrainingException("An epoch has no batches; add images or lower the batch size.");
            return new EpochResult(epoch + 1, lossSum / steps, hasActive ? activeSum / steps : null, steps, images, clock.Elapsed.TotalSeconds);
        }
    }
}
