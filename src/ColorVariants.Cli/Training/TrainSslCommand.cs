using System.ComponentModel;
using ColorVariants.Training.Models;
using ColorVariants.Training.Trainers;
using Spectre.Console;
using Spectre.Console.Cli;

namespace ColorVariants.Cli.Training;

/// <summary>colorvariants train ssl --method cvssl|simclr --catalog &lt;folder&gt;: self-supervised, no labels read.</summary>
public sealed class TrainSslCommand : AsyncCommand<TrainSslCommand.Settings>
{
    public sealed class Settings : TrainSettings
    {
        [CommandOption("--method <method>")]
        [Description("cvssl (the paper's fixed parts, colour-jittered views) or simclr (random resized crops).")]
        [DefaultValue(TrainingMethod.Cvssl)]
        public string Method { get; init; } = TrainingMethod.Cvssl;

        [CommandOption("--batch-size <n>")]
        [Description("Products per batch; each gives two views.")]
        [TrainingDefault(nameof(TrainingOptions.BatchSize))]
        public int BatchSize { get; init; }

        [CommandOption("--temperature <t>")]
        [Description("Softmax temperature. Default 0.1 for cvssl, 0.5 for simclr.")]
        public double? Temperature { get; init; }

        [CommandOption("--parts <parts>")]
        [Description("cvssl's fixed parts as name=top:bottom[[/left:right]], comma-separated.")]
        [TrainingDefault(nameof(TrainingOptions.Parts))]
        public string Parts { get; init; } = "";

        [CommandOption("--no-momentum-encoder")]
        [Description("cvssl: in-batch negatives only, no MoCo key encoder and queue.")]
        public bool NoMomentumEncoder { get; init; }

        [CommandOption("--momentum <m>")]
        [Description("cvssl: how slowly the key encoder follows.")]
        [TrainingDefault(nameof(TrainingOptions.Momentum))]
        public double Momentum { get; init; }

        [CommandOption("--queue-size <n>")]
        [Description("cvssl: negative keys kept per part; at most the images less one batch, and a quarter of the images keeps a product's own earlier key out of its negatives most of the time.")]
        [TrainingDefault(nameof(TrainingOptions.QueueSize))]
        public int QueueSize { get; init; }

        public override ValidationResult Validate() =>
            Method is not (TrainingMethod.Cvssl or TrainingMethod.SimClr)
                ? ValidationResult.Error($"--method is {TrainingMethod.Cvssl} or {TrainingMethod.SimClr}, not '{Method}'.")
                : base.Validate();

        protected override TrainingOptions Customise(TrainingOptions options) => options with
        {
            BatchSize = BatchSize,
            Temperature = Temperature,
            Parts = Parts,
            MomentumEncoder = !NoMomentumEncoder,
            Momentum = Momentum,
            QueueSize = QueueSize,
        };
    }

    public override Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken) =>
        TrainingConsole.RunAsync(settings.ToOptions(settings.Method), cancellationToken);
}
