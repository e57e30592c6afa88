using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using ColorVariants.Inference.Models;
using ColorVariants.Training.Models;
using Spectre.Console;
using Spectre.Console.Cli;
using TorchSharp;
using static TorchSharp.torch;

namespace ColorVariants.Cli.Benchmarks;

/// <summary>
/// colorvariants bench stages: what one training step of the served descriptor (GeM of layer3 and
/// layer4) costs on this machine when the first stages are frozen and their output maps come from a
/// cache, against the whole network trained (issue 21: which stages to freeze, from measurement).
/// The pretrained weights, seeded random pictures (the cost does not depend on the pixels), a
/// warm-up step, then the median of the timed steps; the optimiser's update is left out (it is small
/// beside the backward pass).
/// </summary>
public sealed class StageCostCommand : Command<StageCostCommand.Settings>
{
    private static readonly string[] StageNames = ["stem", "layer1", "layer2", "layer3", "layer4"];

    public sealed class Settings : CommandSettings
    {
        [CommandOption("--size <px>")]
        [Description("Input side in pixels (a multiple of 32): the served default's is 320.")]
        [DefaultValue(DefaultModel.DefaultInputSize)]
        public int Size { get; init; } = DefaultModel.DefaultInputSize;

        [CommandOption("--batch <n>")]
        [Description("Pictures per step.")]
        [DefaultValue(16)]
        public int Batch { get; init; } = 16;

        [CommandOption("--steps <n>")]
        [Description("Timed steps per setting, after one warm-up step; the median is reported.")]
        [DefaultValue(3)]
        public int Steps { get; init; } = 3;

        [CommandOption("--images <n>")]
        [Description("Images the cache would hold (the dev set's train split: 5,409), for its size and build time.")]
        [DefaultValue(5409)]
        public int Images { get; init; } = 5409;

        [CommandOption("--views <k>")]
        [Description("Augmented views cached per image, for the cache's size and build time.")]
        [DefaultValue(4)]
        public int Views { get; init; } = 4;

        public override ValidationResult Validate() =>
            Size is < 64 or > 1024 || Size % 32 != 0 ? ValidationResult.Error("--size is a multiple of 32 from 64 to 1,024.")
            : Batch is < 1 or > 256 ? ValidationResult.Error("--batch is 1 to 256.")
            : Steps is < 1 or > 100 ? ValidationResult.Error("--steps is 1 to 100.")
            : Images < 1 || Views < 1 ? ValidationResult.Error("--images and --views are at least 1.")
            : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        using var network = CntkResNet18.FromOnnx(DefaultModel.SourcePath);
        using var generator = new Generator(7, CPU);
        using var unit = rand([settings.Batch, 3, settings.Size, settings.Size], generator: generator);
        using var pixels = unit * 255 - 128;
        var table = new Table().Border(TableBorder.Simple).AddColumns(
            "frozen and cached", "trained", "map per view (fp16)", "cache: ms per view", "step: ms per picture", "step: speed-up",
            $"cache of {settings.Images:N0} x {settings.Views} views");
        double? whole = null;
        var rows = new List<(int Cached, double Build, double Step)>();
        AnsiConsole.Progress().Start(progress =>
        {
            var task = progress.AddTask($"{CntkResNet18.StageCount} settings, {settings.Steps + 1} steps each at {settings.Size} px", maxValue: CntkResNet18.StageCount);
            // Up to layer3 cached: layer3's output is part of the descriptor, so at least layer4 trains.
            for (var cached = 0; cached < CntkResNet18.StageCount; cached++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                network.Freeze(cached);
                network.train();
                var build = cached == 0 ? 0 : Median(settings.Steps, () =>
                {
                    using var _ = no_grad();
                    using var map = network.ForwardStages(pixels, 0, cached);
                });
                using var input = Cached(network, pixels, cached);
                var step = Median(settings.Steps, () => Step(network, input, cached));
                rows.Add((cached, build / settings.Batch, step / settings.Batch));
                task.Increment(1);
            }
        });
        foreach (var (cached, build, step) in rows)
        {
            whole ??= step;
            var (channels, height, width) = cached == 0 ? (3, settings.Size, settings.Size) : CntkResNet18.StageOutput(cached - 1, settings.Size);
            var bytes = 2L * channels * height * width;
            var views = (long)settings.Images * settings.Views;
            table.AddRow(
                cached == 0 ? "nothing (pixels)" : string.Join(", ", StageNames.Take(cached)),
                string.Join(", ", StageNames.Skip(cached)),
                $"{channels}x{height}x{width}: {bytes / 1024.0:0} KB",
                cached == 0 ? "-" : F(build),
                F(step),
                $"{whole / step:0.0}x",
                cached == 0 ? "-" : $"{bytes * views / 1e9:0.0} GB, {build * views / 60_000:0} min");
        }
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLineInterpolated(
            $"ResNet18 (CNTK's ImageNet weights), {settings.Size} px, batch {settings.Batch}, median of {settings.Steps} steps, {Environment.ProcessorCount} cores, torch threads {get_num_threads()}.");
        return 0;
    }

    /// <summary>The training input when the first <paramref name="cached"/> stages are cached: their output, without gradients.</summary>
    private static Tensor Cached(CntkResNet18 network, Tensor pixels, int cached)
    {
        if (cached == 0) return pixels.alias();
        using var _ = no_grad();
        return network.ForwardStages(pixels, 0, cached).detach();
    }

    /// <summary>Forward from the cached map to the descriptor (GeM p = 3 of layer3 and of layer4), then backward.</summary>
    private static void Step(CntkResNet18 network, Tensor input, int cached)
    {
        using var scope = NewDisposeScope();
        network.zero_grad();
        var layer3 = cached <= 3 ? network.ForwardStages(input, cached, 4) : input;
        var layer4 = network.ForwardStages(layer3, 4, 5);
        var loss = Gem(layer3).sum() + Gem(layer4).sum();
        loss.backward();
    }

    private static Tensor Gem(Tensor map) => map.clamp_min(1e-6).pow(3).mean([2, 3]).pow(1.0 / 3);

    private static double Median(int steps, Action step)
    {
        step(); // warm-up: allocations, kernels chosen
        var times = new double[steps];
        for (var i = 0; i < steps; i++)
        {
            var started = Stopwatch.GetTimestamp();
            step();
            times[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }
        Array.Sort(times);
        return times[steps / 2];
    }

    private static string F(double ms) => ms.ToString("0.0", CultureInfo.InvariantCulture);
}
