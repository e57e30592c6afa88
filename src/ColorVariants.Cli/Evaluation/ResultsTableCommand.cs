using System.ComponentModel;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Spectre.Console;
using Spectre.Console.Cli;

namespace ColorVariants.Cli.Evaluation;

/// <summary>
/// One Markdown table from the files <c>eval --json</c> wrote, in the order given: the table of
/// docs/RESULTS.md comes from this command, so no figure is copied by hand.
/// </summary>
public sealed class ResultsTableCommand : Command<ResultsTableCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<eval-json>")]
        [Description("Files written by eval --json; one row each, in this order.")]
        public string[] Files { get; init; } = [];

        public override ValidationResult Validate()
        {
            var missing = Files.FirstOrDefault(f => !File.Exists(f));
            return missing is null ? ValidationResult.Success() : ValidationResult.Error($"No such file: {missing}");
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        // Plain text, not a Spectre table: it is meant to be pasted into Markdown.
        Console.Out.Write(Markdown(settings.Files));
        return 0;
    }

    /// <summary>The table: one row per eval JSON file, in the order given.</summary>
    public static string Markdown(IEnumerable<string> evalFiles)
    {
        var table = new StringBuilder()
            .AppendLine("| run | input | trained on | epochs | training | whitened | eval images | open R@1 | open R@5 | open R@10 | open mAP@R | same-cat R@1 | same-cat R@5 | same-cat R@10 | same-cat mAP@R | shade bias (chance) |")
            .AppendLine("| --- | --- | --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var file in evalFiles)
        {
            var eval = EvalRecord.Read(file);
            table.Append(CultureInfo.InvariantCulture,
                $"| {Path.GetFileNameWithoutExtension(file)} | {eval.InputSize} px {eval.ColourMode} | {Training(eval)} | {(eval.Whitening is null ? "–" : "catalog")} | {eval.Items} |");
            foreach (var figures in new[] { eval.Open, eval.SameCategory })
            {
                foreach (var figure in new[] { figures.RecallAt1, figures.RecallAt5, figures.RecallAt10, figures.MapAtR })
                    table.Append(' ').Append(F(figure)).Append(" |");
            }
            table.Append(' ').Append(eval.ShadeBias is { } shade ? $"{F(shade.SameShade)} ({F(shade.Chance)})" : "–").AppendLine(" |");
        }
        return table.ToString();
    }

    private static string F(double value) => value.ToString("0.000", CultureInfo.InvariantCulture);

    /// <summary>
    /// Trained on, epochs, training time: from the training.json beside a trained model (its epochs'
    /// own times, so a resumed run counts each epoch once); ImageNet for the baselines.
    /// </summary>
    private static string Training(EvalRecord eval)
    {
        var model = eval.Model;
        if (model is null) return eval.Baseline == EvalCommand.ColourHistogramBaseline ? "no training | – | –" : "ImageNet (pretrained) | – | –";
        var report = Path.Combine(Path.GetDirectoryName(model)!, "training.json");
        if (!File.Exists(report)) return "? | ? | ?";
        using var json = JsonDocument.Parse(File.ReadAllBytes(report));
        var training = json.RootElement;
        var epochs = training.GetProperty("epochs").EnumerateArray().ToList();
        var minutes = epochs.Sum(e => e.GetProperty("seconds").GetDouble()) / 60;
        return string.Create(CultureInfo.InvariantCulture,
            $"{training.GetProperty("images").GetInt32()} {training.GetProperty("options").GetProperty("split").GetString()} images | {epochs.Count} | {minutes:0} min");
    }
}
