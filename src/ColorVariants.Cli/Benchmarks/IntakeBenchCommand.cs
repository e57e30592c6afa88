using System.ComponentModel;
using System.Globalization;
using System.Text.Json;
using ColorVariants.Core.Catalog;
using ColorVariants.Inference.Embedding;
using ColorVariants.Inference.Models;
using Spectre.Console;
using Spectre.Console.Cli;

namespace ColorVariants.Cli.Benchmarks;

/// <summary>
/// colorvariants bench intake: how fast this machine decodes catalog images and runs the model,
/// and so which import throughput the service should reach here.
/// </summary>
public sealed class IntakeBenchCommand : Command<IntakeBenchCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--catalog <folder>")]
        [Description("Catalog folder (catalog.csv and its images) to take the sample from.")]
        public string Catalog { get; init; } = "";

        [CommandOption("--model <onnx>")]
        [Description("ONNX model to run. Default: the default ResNet18, prepared into a models folder beside this program.")]
        public string? Model { get; init; }

        [CommandOption("--images <n>")]
        [Description("Images in the sample, spread evenly over the catalog.")]
        [DefaultValue(500)]
        public int Images { get; init; } = 500;

        [CommandOption("--batch <n>")]
        [Description("Images per inference call (the service's Embedding:MaxBatchSize).")]
        [DefaultValue(16)]
        public int Batch { get; init; } = 16;

        [CommandOption("--json <file>")]
        [Description("Also write the figures, the data and the machine to this JSON file.")]
        public string? Json { get; init; }

        public override ValidationResult Validate() =>
            string.IsNullOrEmpty(Catalog) ? ValidationResult.Error("--catalog is required.")
            : !Directory.Exists(Catalog) ? ValidationResult.Error($"No folder {Catalog}.")
            : Model is not null && !File.Exists(Model) ? ValidationResult.Error($"No model file {Model}.")
            : Images is < 1 or > 1_000_000 ? ValidationResult.Error("--images is 1 to 1,000,000.")
            : Batch is < 1 or > 256 ? ValidationResult.Error("--batch is 1 to 256.")
            : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var catalog = CatalogFolder.Read(settings.Catalog);
        var sample = EvenSample(catalog.Entries, settings.Images);
        if (sample.Count == 0)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]{catalog.Root} has no importable rows.[/]");
            return 1;
        }
        var modelPath = settings.Model
            ?? DefaultModel.EnsurePrepared(Path.Combine(AppContext.BaseDirectory, "models", DefaultModel.FileName));
        using var model = EmbeddingModel.Load(modelPath);
        var run = new BenchRun(
            Command: "colorvariants " + string.Join(' ', context.Arguments),
            Cores: Environment.ProcessorCount,
            LoadAverageAtStart: LoadAverage(),
            Catalog: catalog.Root,
            CatalogSha256: catalog.Fingerprint,
            CatalogRows: catalog.Entries.Count,
            Model: model.Name,
            ModelSha256: model.Sha256,
            ExecutionProvider: model.ExecutionProvider);
        Describe(run, sample.Count, settings.Batch);

        IntakeFigures? figures = null;
        AnsiConsole.Status().Start("measuring", status =>
        {
            var progress = new SynchronousProgress<string>(step => status.Status(Markup.Escape(step)));
            figures = new IntakeBenchmark(model, settings.Batch).Run(sample.Select(e => e.ImagePath).ToList(), progress);
        });

        Show(figures!);
        if (settings.Json is { } json)
        {
            File.WriteAllText(json, JsonSerializer.Serialize(new IntakeReport(run, figures!), JsonOptions));
            AnsiConsole.MarkupLineInterpolated($"Figures written to {Path.GetFullPath(json)}.");
        }
        return 0;
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>Every k-th row, so the sample spans the catalog's categories instead of its first (sku-sorted) ones.</summary>
    private static List<CatalogEntry> EvenSample(IReadOnlyList<CatalogEntry> entries, int count)
    {
        if (count >= entries.Count) return [.. entries];
        return Enumerable.Range(0, count).Select(i => entries[(int)((long)i * entries.Count / count)]).ToList();
    }

    /// <summary>The 1-minute load average (Linux), so a reader can tell a figure taken on a busy machine.</summary>
    private static double? LoadAverage()
    {
        try
        {
            var first = File.ReadAllText("/proc/loadavg").Split(' ')[0];
            return double.Parse(first, CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
    }

    private static void Describe(BenchRun run, int images, int batch)
    {
        var grid = new Grid().AddColumn().AddColumn();
        grid.AddRow("command", Markup.Escape(run.Command));
        grid.AddRow("machine", Markup.Escape($"{run.Cores} cores, 1-min load average {run.LoadAverageAtStart?.ToString("0.00", CultureInfo.InvariantCulture) ?? "unknown"} at start"));
        grid.AddRow("data", Markup.Escape($"{images} of {run.CatalogRows} rows of {run.Catalog} (catalog.csv sha256 {run.CatalogSha256[..12]})"));
        grid.AddRow("model", Markup.Escape($"{run.Model} (sha256 {run.ModelSha256[..12]}) on ONNX Runtime {run.ExecutionProvider}, batch {batch}"));
        AnsiConsole.Write(new Panel(grid).Header("bench intake").Border(BoxBorder.Rounded));
    }

    private static void Show(IntakeFigures figures)
    {
        static string F(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);
        static string[] Row(string name, PhaseFigures phase) =>
        [
            name, phase.Images.ToString(CultureInfo.InvariantCulture), F(phase.WallSeconds, "0.00"), F(phase.CpuSeconds, "0.00"),
            F(phase.CpuSeconds / Math.Max(phase.WallSeconds, 1e-9), "0.00"), F(phase.ImagesPerSecond, "0.0"),
        ];
        var table = new Table().Border(TableBorder.Simple)
            .AddColumns("", "images", "wall s", "CPU s", "cores busy", "images/s")
            .AddRow(Row("(a) intake", figures.Decode))
            .AddRow(Row("(b) model", figures.Model))
            .AddRow("(c) a+b shared", "", "", "", "", $"[bold]{F(figures.SharedBound, "0.0")}[/]")
            .AddRow("import target", "", "", "", "", $"[bold]{F(figures.ImportTarget, "0.0")}[/]");
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine("(a) read + decode + letterbox + TensorWriter per image, Parallel.For on all cores.");
        AnsiConsole.MarkupLineInterpolated($"(b) EmbeddingModel.Embed of ready tensors in batches of {figures.BatchSize}.");
        AnsiConsole.MarkupLine("(c) the bound when both share the cores: 1 / (1/a + 1/b); import target = 80 % of (c).");
        AnsiConsole.MarkupLineInterpolated($"CPU s is this process's CPU time; cores busy = CPU s / wall s, of {Environment.ProcessorCount} (fewer: other load, or a phase that does not scale).");
        if (figures.DecodeRejected > 0)
            AnsiConsole.MarkupLineInterpolated($"[yellow]{figures.DecodeRejected} images were rejected by intake (their time counts in (a)).[/]");
    }

    public sealed record BenchRun(
        string Command,
        int Cores,
        double? LoadAverageAtStart,
        string Catalog,
        string CatalogSha256,
        int CatalogRows,
        string Model,
        string ModelSha256,
        string ExecutionProvider);

    /// <summary>The --json file: the run's context and its figures (derived rates included, as System.Text.Json writes get-only properties).</summary>
    public sealed record IntakeReport(BenchRun Run, IntakeFigures Figures);
}
