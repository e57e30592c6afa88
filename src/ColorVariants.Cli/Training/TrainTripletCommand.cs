using System.ComponentModel;
using ColorVariants.Training.Data;
using ColorVariants.Training.Models;
using ColorVariants.Training.Trainers;
using Spectre.Console;
using Spectre.Console.Cli;

namespace ColorVariants.Cli.Training;

/// <summary>colorvariants train triplet --catalog &lt;folder&gt; [--labels &lt;file|url&gt;]: supervised, batch-hard triplets over the styles and the reviewers' verdicts.</summary>
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

        [CommandOption("--labels <file|url>")]
        [Description("Reviewers' verdicts: a CSV with sku_a,sku_b,verdict (what GET /reviews/export writes) or the service's URL. " +
                     "Confirmed pairs join their products' groups, rejected pairs are hard negatives; validation styles never train.")]
        public string? Labels { get; init; }

        [CommandOption("--labels-only")]
        [Description("With --labels: groups from the confirmed pairs alone, the catalog's styles ignored.")]
        public bool LabelsOnly { get; init; }

        [CommandOption("--api-key <key>")]
        [Description("X-Api-Key header for --labels <url>, when the service wants one (or env COLORVARIANTS_API_KEY).")]
        public string? ApiKey { get; init; }

        protected override TrainingOptions Customise(TrainingOptions options) =>
            options with { StylesPerBatch = P, ImagesPerStyle = K, Margin = Margin, LabelsOnly = LabelsOnly };
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        ReviewLabels? labels = null;
        if (settings.Labels is { } source)
        {
            try
            {
                labels = await ReviewLabels.ReadAsync(source, settings.ApiKey ?? Environment.GetEnvironmentVariable("COLORVARIANTS_API_KEY"),
                    cancellationToken: cancellationToken);
            }
            catch (TrainingException e)
            {
                AnsiConsole.MarkupLineInterpolated($"[red]{e.Message}[/]");
                return 1;
            }
        }
        return await TrainingConsole.RunAsync(settings.ToOptions(TrainingMethod.Triplet, labels), cancellationToken);
    }
}
