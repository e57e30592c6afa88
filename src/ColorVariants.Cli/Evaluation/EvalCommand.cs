using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using ColorVariants.Core.Catalog;
using ColorVariants.Core.Embedding;
using ColorVariants.Core.Evaluation;
using ColorVariants.Core.Images;
using ColorVariants.Inference.Embedding;
using ColorVariants.Inference.Models;
using Spectre.Console;
using Spectre.Console.Cli;

namespace ColorVariants.Cli.Evaluation;

/// <summary>colorvariants eval: shared/docs/EVALUATION.md's retrieval figures for a model or a baseline.</summary>
public sealed class EvalCommand : AsyncCommand<EvalCommand.Settings>
{
    public const string ColourHistogramBaseline = "colour-hist";
    public const string ImageNetRgbBaseline = "imagenet-rgb";
    public const string ImageNetGrayBaseline = "imagenet-gray";
    /// <summary>What the service serves with no training: the default model, whitened on the catalog.</summary>
    public const string ServedDefaultBaseline = "default";
    /// <summary>The catalog column holding a product's perceived colour, for the shade-bias figure.</summary>
    public const string ShadeColumn = "colour_master";

    public sealed class Settings : CommandSettings
    {
        [CommandOption("--catalog <folder>")]
        [Description("Labelled catalog folder (catalog.csv with a style column).")]
        public string Catalog { get; init; } = "";

        [CommandOption("--model <onnx>")]
        [Description("ONNX model exported or prepared by this project (its preprocessing is in its metadata).")]
        public string? Model { get; init; }

        [CommandOption("--baseline <name>")]
        [Description("colour-hist, imagenet-rgb, imagenet-gray (the plain pretrained net) or default (what the service serves untrained: its descriptor, whitened on the catalog), instead of --model.")]
        public string? Baseline { get; init; }

        [CommandOption("--baseline-size <px>")]
        [Description("Input size of an imagenet or default baseline (a multiple of 32), to compare with a model trained at that size.")]
        public int? BaselineSize { get; init; }

        [CommandOption("--descriptor <spec>")]
        [Description("How an imagenet baseline pools its features, e.g. \"gem=3 layers=3+4 parts=whole=0:1,top=0:0.5,bottom=0.5:1 flip=yes\"; keys left out take the served default's value. Without it: average pooling of the last stage.")]
        public string? Descriptor { get; init; }

        [CommandOption("--whiten")]
        [Description("Whiten the vectors on the evaluated catalog itself, labels unread, as the service does on the catalog it serves (on by default for --baseline default).")]
        public bool Whiten { get; init; }

        [CommandOption("--no-whiten")]
        [Description("Leave the default baseline's vectors unwhitened.")]
        public bool NoWhiten { get; init; }

        [CommandOption("--split <part>")]
        [Description("all, train or validation: styles by EVALUATION.md's SHA-1 rule (0-b train, c-f validation).")]
        [DefaultValue("all")]
        public string Split { get; init; } = "all";

        [CommandOption("--batch <n>")]
        [DefaultValue(16)]
        public int Batch { get; init; } = 16;

        [CommandOption("--json <file>")]
        [Description("Also write the figures as JSON.")]
        public string? Json { get; init; }

        [CommandOption("--embeddings-out <csv>")]
        [Description("Write sku,v0,v1,... so anyone can check the figures with their own code.")]
        public string? EmbeddingsOut { get; init; }

        public override ValidationResult Validate()
        {
            if (!File.Exists(Path.Combine(Catalog, CatalogFolder.FileName))) return ValidationResult.Error($"No {CatalogFolder.FileName} in '{Catalog}'.");
            if ((Model is null) == (Baseline is null)) return ValidationResult.Error("Give either --model or --baseline.");
            if (Model is not null && !File.Exists(Model)) return ValidationResult.Error($"No model file {Model}.");
            if (Baseline is not null and not (ColourHistogramBaseline or ImageNetRgbBaseline or ImageNetGrayBaseline or ServedDefaultBaseline))
                return ValidationResult.Error($"Unknown baseline '{Baseline}'.");
            if (Split is not ("all" or "train" or "validation")) return ValidationResult.Error("--split is all, train or validation.");
            if (BaselineSize is { } size && (size is < 64 or > 1024 || size % 32 != 0)) return ValidationResult.Error("--baseline-size is a multiple of 32 from 64 to 1024.");
            if (Descriptor is not null && Baseline is not (ImageNetRgbBaseline or ImageNetGrayBaseline))
                return ValidationResult.Error("--descriptor goes with --baseline imagenet-gray or imagenet-rgb.");
            if (Descriptor is not null)
            {
                try { DescriptorOptions.Parse(Descriptor); }
                catch (FormatException e) { return ValidationResult.Error($"--descriptor: {e.Message}"); }
            }
            if (Whiten && NoWhiten) return ValidationResult.Error("Give --whiten or --no-whiten, not both.");
            return Batch is < 1 or > 256 ? ValidationResult.Error("--batch is 1 to 256.") : ValidationResult.Success();
        }
    }

    public override Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var catalog = CatalogFolder.Read(settings.Catalog);
        var entries = catalog.Entries
            .Where(e => e.Style is not null && (settings.Split == "all" || (StyleSplit.Of(e.Style) == SplitPart.Train) == (settings.Split == "train")))
            .ToList();
        var clock = Stopwatch.StartNew();

        string name;
        string? descriptorText = null;
        var input = (Size: 224, Colour: ColourMode.Rgb); // what the embedding sees
        IReadOnlyList<CatalogVector> vectors;
        if (settings.Baseline == ColourHistogramBaseline)
        {
            name = ColourHistogramBaseline;
            vectors = WithProgress(entries.Count, $"Colour histograms of {entries.Count} images", progress => HistogramsOf(entries, progress));
        }
        else
        {
            var path = settings.Model ?? PrepareBaseline(settings, out descriptorText);
            using var model = EmbeddingModel.Load(path);
            name = settings.Baseline is null ? model.Name
                : settings.BaselineSize is { } size && size != BaselineSizeOf(settings) ? $"{settings.Baseline} {size} px" : settings.Baseline;
            input = (model.Preprocessing.InputSize, model.Preprocessing.ColourMode);
            AnsiConsole.MarkupLineInterpolated($"Model [bold]{model.Name}[/] ({path}): {model.Dimensions} dimensions, {model.Preprocessing.InputSize} px, {model.Preprocessing.ColourMode}, {model.ExecutionProvider}.");
            vectors = WithProgress(entries.Count, $"Embedding {entries.Count} images", progress =>
                CatalogEmbedder.Embed(model, entries, settings.Batch, progress, cancellationToken));
        }

        foreach (var failed in vectors.Where(v => v.Vector is null))
            AnsiConsole.MarkupLineInterpolated($"[yellow]line {failed.Entry.Line}, {failed.Entry.Sku}: {failed.Problem} (left out)[/]");
        var embedded = vectors.Where(v => v.Vector is not null).ToList();
        string? whiteningText = null;
        if (settings.Whiten || (settings.Baseline == ServedDefaultBaseline && !settings.NoWhiten))
        {
            // Fitted on the very catalog evaluated, labels unread: what the service does with the catalog it serves.
            var whitening = CatalogWhitening.Fit(embedded.Select(v => v.Vector!).ToList());
            embedded = embedded.Select(v => v with { Vector = whitening.Apply(v.Vector) }).ToList();
            whiteningText = $"catalog ({whitening.SampleCount} vectors, rank {whitening.Rank})";
        }
        var items = embedded.Select(v => new EmbeddedItem(v.Entry.Sku, v.Entry.Style!, v.Entry.Category, v.Vector!, ShadeOf(v.Entry))).ToList();
        var report = RetrievalEvaluator.Evaluate(items);

        AnsiConsole.MarkupLineInterpolated($"{name} on {catalog.Root} ({settings.Split} split, {report.Items} images{(whiteningText is null ? "" : $", whitened on the {whiteningText}")}) in {clock.Elapsed.TotalSeconds:0} s:");
        AnsiConsole.Write(Table(report));
        if (report.Shade is { } shade)
            AnsiConsole.MarkupLineInterpolated($"Shade bias (same category, {shade.Queries} queries): {F(shade.SameShade)} of the wrong top-10 neighbours share the query's {ShadeColumn}; {F(shade.Chance)} of its category's products do.");
        if (settings.Json is not null)
        {
            new EvalRecord(name, settings.Model is null ? null : Path.GetFullPath(settings.Model), settings.Baseline, input.Size,
                input.Colour.ToString().ToLowerInvariant(), descriptorText, whiteningText, catalog.Root, catalog.Fingerprint, settings.Split,
                report.Items, report.Open, report.SameCategory, report.Shade, Math.Round(clock.Elapsed.TotalSeconds, 1)).Write(settings.Json);
            AnsiConsole.MarkupLineInterpolated($"Figures written to {settings.Json}.");
        }
        if (settings.EmbeddingsOut is not null) WriteEmbeddings(settings.EmbeddingsOut, items);
        return Task.FromResult(0);
    }

    /// <summary>The prepared ImageNet model a baseline names, made once per descriptor and size beside the CLI.</summary>
    private static string PrepareBaseline(Settings settings, out string descriptorText)
    {
        var colour = settings.Baseline == ImageNetRgbBaseline ? ColourMode.Rgb : ColourMode.Gray;
        var descriptor = settings.Baseline == ServedDefaultBaseline ? DescriptorOptions.Default
            : settings.Descriptor is null ? DescriptorOptions.Plain : DescriptorOptions.Parse(settings.Descriptor);
        var size = settings.BaselineSize ?? BaselineSizeOf(settings);
        descriptorText = descriptor.ToString();
        var key = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes($"{colour} {size} {descriptor}")))[..12];
        var fileName = $"resnet18-imagenet-{colour.ToString().ToLowerInvariant()}-{size}px-{key}.onnx";
        return DefaultModel.EnsurePrepared(Path.Combine(AppContext.BaseDirectory, "models", fileName), colour, size, descriptor);
    }

    /// <summary>The served default at its own size; the plain ImageNet baselines at the 224 px they were trained at.</summary>
    private static int BaselineSizeOf(Settings settings) => settings.Baseline == ServedDefaultBaseline ? DefaultModel.DefaultInputSize : 224;

    private static string? ShadeOf(CatalogEntry entry) =>
        entry.Attributes.FirstOrDefault(a => string.Equals(a.Key, ShadeColumn, StringComparison.OrdinalIgnoreCase)).Value;

    private static IReadOnlyList<CatalogVector> HistogramsOf(IReadOnlyList<CatalogEntry> entries, IProgress<int> progress)
    {
        var results = new CatalogVector[entries.Count];
        var done = 0;
        Parallel.For(0, entries.Count, i =>
        {
            try
            {
                using var square = ImageIntake.DecodeSquare(File.ReadAllBytes(entries[i].ImagePath), 224, new IntakeLimits());
                results[i] = new CatalogVector(entries[i], ColourHistogram.Compute(square), null);
            }
            catch (Exception e) when (e is ImageRejectedException or IOException)
            {
                results[i] = new CatalogVector(entries[i], null, e.Message);
            }
            progress.Report(Interlocked.Increment(ref done));
        });
        return results;
    }

    private static T WithProgress<T>(int total, string description, Func<IProgress<int>, T> work)
    {
        T result = default!;
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                var task = context.AddTask(description, maxValue: Math.Max(1, total));
                result = work(new SynchronousProgress<int>(done => task.Value = Math.Max(task.Value, done)));
            });
        return result;
    }

    private static Table Table(RetrievalReport report)
    {
        var table = new Table().Border(TableBorder.Simple).AddColumns("setting", "queries", "R@1", "R@5", "R@10", "mAP@R");
        foreach (var (setting, f) in new[] { ("open", report.Open), ("same-category", report.SameCategory) })
            table.AddRow(setting, f.Queries.ToString(CultureInfo.InvariantCulture), F(f.RecallAt1), F(f.RecallAt5), F(f.RecallAt10), F(f.MapAtR));
        return table;
    }

    private static string F(double value) => value.ToString("0.000", CultureInfo.InvariantCulture);

    private static void WriteEmbeddings(string path, IReadOnlyList<EmbeddedItem> items)
    {
        using var writer = new StreamWriter(path, append: false, new UTF8Encoding(false));
        var dimensions = items.Count == 0 ? 0 : items[0].Vector.Length;
        writer.WriteLine("sku," + string.Join(',', Enumerable.Range(0, dimensions).Select(i => $"v{i}")));
        var line = new StringBuilder();
        foreach (var item in items)
        {
            line.Clear().Append(item.Sku);
            foreach (var v in item.Vector) line.Append(',').Append(v.ToString("R", CultureInfo.InvariantCulture));
            writer.WriteLine(line);
        }
        AnsiConsole.MarkupLineInterpolated($"Embeddings of {items.Count} products written to {path}.");
    }
}
