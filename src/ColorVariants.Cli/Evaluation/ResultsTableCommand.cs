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
            .AppendLine("| run | input | trained on | epochs | training | eval images | open R@1 | open R@5 | open R@10 | open mAP@R | same-cat R@1 | same-cat R@5 | same-cat R@10 | same-cat mAP@R |")
            .AppendLine("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var file in evalFiles)
        {
            using var json = JsonDocument.Parse(File.ReadAllBytes(file));
            var root = json.RootElement;
            var input = root.TryGetProperty("inputSize", out var size)
                ? $"{size.GetInt32()} px {root.GetProperty("colourMode").GetString()}"
                : "?";
            table.Append(CultureInfo.InvariantCulture,
                $"| {Path.GetFileNameWithoutExtension(file)} | {input} | {Training(root)} | {root.GetProperty("items").GetInt32()} |");
            foreach (var setting in new[] { "open", "sameCategory" })
            {
                var figures = root.GetProperty(setting);
                foreach (var figure in new[] { "recallAt1", "recallAt5", "recallAt10", "mapAtR" })
                    table.Append(' ').Append(figures.GetProperty(figure).GetDouble().ToString("0.000", CultureInfo.InvariantCulture)).Append(" |");
            }
            table.AppendLine();
        }
        return table.ToString();
    }

    /// <summary>
    /// Trained on, epochs, training time: from the training.json beside a trained model (its epochs'
    /// own times, so a resumed run counts each epoch once); ImageNet for the baselines.
    /// </summary>
    private static string Training(JsonElement eval)
    {
        var model = eval.GetProperty("model").GetString();
        if (model is null) return eval.GetProperty("baseline").GetString() == "colour-hist" ? "no training | – | –" : "ImageNet (pretrained) | – | –";
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
