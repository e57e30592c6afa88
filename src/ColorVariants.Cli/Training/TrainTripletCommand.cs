using System.ComponentModel;
using ColorVariants.Training.Models;
using ColorVariants.Training.Trainers;
using Spectre.Console.Cli;

namespace ColorVariants.Cli.Training;

/// <summary>colorvariants train triplet --catalog &lt;folder&gt;: supervised, batch-hard triplets over the style labels.</summary>
public sealed class TrainTripletCommand : AsyncCommand<TrainTripletCommand.Settings>
{
    public sealed class Settings : TrainSettings
    {
        [CommandOption("-p|--styles-per-batch <P>")]
        [Description("Styles per batch (P).")]
        [TrainingDefault(nameof(TrainingOptions.StylesPerBatch))]
        public int P { get; init; }

        [CommandOption("-k|--images-per-style <K>")]
        [Description("Images per style (K); a batch holds P x K images.")]
        [TrainingDefault(nameof(TrainingOptions.ImagesPerStyle))]
        public int K { get; init; }

        [CommandOption("--margin <m>")]
        [Description("Triplet margin between unit vectors.")]
        [TrainingDefault(nameof(TrainingOptions.Margin))]
        public double Margin { get; init; }

        protected override TrainingOptions Customise(TrainingOptions options) =>
            options with { StylesPerBatch = P, ImagesPerStyle = K, Margin = Margin };
    }

    public override Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken) =>
        TrainingConsole.RunAsync(settings.ToOptions(TrainingMethod.Triplet), cancellationToken);
}
