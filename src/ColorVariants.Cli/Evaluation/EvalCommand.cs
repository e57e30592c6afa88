using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using ColorVariants.Core.Catalog;
using ColorVariants.Core.Colour;
using ColorVariants.Core.Embedding;
using ColorVariants.Core.Evaluation;
using ColorVariants.Core.Images;
using ColorVariants.Inference.Embedding;
using ColorVariants.Inference.Models;
using ColorVariants.Training.Trainers;
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
    /// <summary>The structure descriptor alone (histograms of gradient orientations, no network).</summary>
    public const string StructureBaseline = "structure";
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
        [Description("colour-hist, imagenet-rgb, imagenet-gray (the plain pretrained net), default (what the service serves untrained: its descriptor, whitened on the catalog) or structure (the structure descriptor alone, --structure), instead of --model.")]
        public string? Baseline { get; init; }

        [CommandOption("--baseline-size <px>")]
        [Description("Input size of an imagenet or default baseline (a multiple of 32), to compare with a model trained at that size.")]
        public int? BaselineSize { get; init; }

        [CommandOption("--descriptor <spec>")]
        [Description("How an imagenet baseline pools its features, e.g. \"gem=3 layers=3+4 parts=whole=0:1,top=0:0.5,bottom=0.5:1 flip=yes\"; keys left out take the served default's value. Without it: average pooling of the last stage.")]
        public string? Descriptor { get; init; }

        [CommandOption("--structure <spec>")]
        [Description("The structure descriptor of --baseline structure, hog:<cells>x<bins>:<weight> (Inference StructureOptions; default the served one's).")]
        public string? Structure { get; init; }

        [CommandOption("--blocks <spec>")]
        [Description("With --vectors: how the vectors are laid out, e.g. cnn=2304:0.6,structure=900:0.4 (Core DescriptorBlocks): each block is whitened by itself and weighs its share of the cosine. A model's own file says this for it.")]
        public string? Blocks { get; init; }

        [CommandOption("--luma <curve>")]
        [Description("Tone curve for an imagenet-gray or default baseline's luma, fitted on the garment: equalise (ColourMode.GrayEqualised) or stretch (1st-99th percentile, GrayStretched). Default: plain luma.")]
        public string? Luma { get; init; }

        [CommandOption("--whiten")]
        [Description("Whiten the vectors on the evaluated catalog itself, labels unread, as the service does on the catalog it serves (on by default for --baseline default).")]
        public bool Whiten { get; init; }

        [CommandOption("--no-whiten")]
        [Description("Leave the default baseline's vectors unwhitened.")]
        public bool NoWhiten { get; init; }

        [CommandOption("--whiten-rank <n>")]
        [Description("Principal directions the whitening keeps (default: all the catalog allows).")]
        public int? WhitenRank { get; init; }

        [CommandOption("--whiten-shrinkage <share>")]
        [Description("Added to every eigenvalue, as a share of their mean (WhiteningOptions.Shrinkage, default 0.1).")]
        public double? WhitenShrinkage { get; init; }

        [CommandOption("--learned-power <p>")]
        [Description("A learned whitening's exponent on the catalog's variance along each output direction (WhiteningOptions.LearnedPower, default 0: only a rotation).")]
        public double? LearnedPower { get; init; }

        [CommandOption("--recoloured-whitening")]
        [Description("Instead of a catalog whitening: a learned whitening fitted on the evaluated catalog itself, labels unread, from each product and a made-up colour variant of it (Core Recolouring): what the service can fit on any catalog.")]
        public bool RecolouredWhitening { get; init; }

        [CommandOption("--recoloured-vectors <csv>")]
        [Description("Where the recoloured products' vectors are kept: read when the file exists (needed with --vectors), else embedded and written there.")]
        public string? RecolouredVectors { get; init; }

        [CommandOption("--mined-whitening")]
        [Description("Instead of a catalog whitening: a learned whitening fitted on the evaluated catalog itself, labels unread, from mined pairs (Core MinedPairs): mutual nearest neighbours of a category, once whitened on the catalog, whose swatches differ by more than --mined-min-delta-e. With --recoloured-whitening, both kinds of pairs.")]
        public bool MinedWhitening { get; init; }

        [CommandOption("--mined-min-delta-e <d>")]
        [Description("How far apart (CIEDE2000) two swatches must be for a mined pair: another colour, so a variant rather than a lookalike (default 2, the service's Variants:SameColourMaxDeltaE).")]
        [DefaultValue(2.0)]
        public double MinedMinDeltaE { get; init; } = 2.0;

        [CommandOption("--learned-whitening <styles>")]
        [Description("Instead of a catalog whitening: a learned whitening (CatalogWhitening.FitLearned) fitted on the train split, from the colour variants of its first n styles with two or more products (in the order of their SHA-1), or of all; then applied to the evaluated split. Needs --split validation.")]
        public string? LearnedWhitening { get; init; }

        [CommandOption("--head-epochs <n>")]
        [Description("With --learned-whitening: also train a linear metric head (Training LinearHeadTrainer: batch-hard triplets on the labelled styles, from the identity) for n epochs on the learning split's whitened vectors, folded into the whitening.")]
        public int? HeadEpochs { get; init; }

        [CommandOption("--head-lr <rate>")]
        [Description("The head's Adam step size (LinearHeadOptions.LearningRate, default 1e-5).")]
        public double? HeadLearningRate { get; init; }

        [CommandOption("--head-penalty <weight>")]
        [Description("Weight of |W - I|^2 on the head (LinearHeadOptions.IdentityPenalty, default 1e-3).")]
        public double? HeadPenalty { get; init; }

        [CommandOption("--head-margin <m>")]
        [Description("The head's triplet margin (LinearHeadOptions.Margin, default 0.2).")]
        public double? HeadMargin { get; init; }

        [CommandOption("--head-curve")]
        [Description("Print the evaluated split's figures after every head epoch: a learning curve, to choose --head-epochs. Only with --split tuning: never choose on the validation styles.")]
        public bool HeadCurve { get; init; }

        [CommandOption("--vectors <csv>")]
        [Description("Vectors written earlier by --embeddings-out (sku,v0,v1,...), instead of embedding the images again; unwhitened ones when --whiten follows.")]
        public string? Vectors { get; init; }

        [CommandOption("--verifier")]
        [Description("Train the variant verifier (Core VariantVerifier) on the train split's lists (each product's --verifier-candidates nearest of its category, whitened on the train split), choose its threshold there for --target-precision on each product's --neighbours, then re-rank and decide on the evaluated split. Needs --split validation.")]
        public bool Verifier { get; init; }

        [CommandOption("--verifier-candidates <n>")]
        [Description("How many of each product's nearest the verifier re-ranks (default 50, as the service).")]
        [DefaultValue(50)]
        public int VerifierCandidates { get; init; } = 50;

        [CommandOption("--grouping")]
        [Description("Also decide which neighbours are variants: a threshold calibrated on the labels of another split (--calibrate-on) to --target-precision, its pairwise precision and recall here, and the catalog's variant groups (EVALUATION.md's grouping protocol).")]
        public bool Grouping { get; init; }

        [CommandOption("--calibrate-on <part>")]
        [Description("The split whose style labels choose the threshold: train or validation, not the evaluated one (its vectors are whitened on their own, as another shop's catalog).")]
        [DefaultValue("train")]
        public string CalibrateOn { get; init; } = "train";

        [CommandOption("--target-precision <p>")]
        [DefaultValue(0.9)]
        public double TargetPrecision { get; init; } = 0.9;

        [CommandOption("--threshold <score>")]
        [Description("A fixed variant threshold (a cosine) instead of calibrating one.")]
        public float? Threshold { get; init; }

        [CommandOption("--threshold-spreads <z>")]
        [Description("A fixed variant threshold in spreads above chance (the service's Variants:DefaultSpreadsAboveChance), read on the evaluated split's own chance scores.")]
        public double? ThresholdSpreads { get; init; }

        [CommandOption("--products <n>")]
        [Description("Evaluate only the first styles of the split (in the order of their SHA-1, EVALUATION.md) up to n products: a smaller catalog.")]
        public int? Products { get; init; }

        [CommandOption("--neighbours <k>")]
        [Description("Nearest products of the category each product is compared with, as /variants shows them.")]
        [DefaultValue(10)]
        public int Neighbours { get; init; } = 10;

        [CommandOption("--pr-curve <png>")]
        [Description("Draw the decision's precision-recall curve on the evaluated split as a PNG.")]
        public string? PrCurve { get; init; }

        [CommandOption("--split <part>")]
        [Description("all, train or validation: styles by EVALUATION.md's SHA-1 rule (0-b train, c-f validation); or tuning: the train styles 9-b, where a learned whitening and head learn from the train styles 0-8, to choose their settings without reading the validation styles.")]
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
            if (new[] { Model, Baseline, Vectors }.Count(o => o is not null) != 1) return ValidationResult.Error("Give one of --model, --baseline or --vectors.");
            if (Vectors is not null && !File.Exists(Vectors)) return ValidationResult.Error($"No vectors file {Vectors}.");
            if (WhitenRank is < 1) return ValidationResult.Error("--whiten-rank is at least 1.");
            if (Luma is not null && (Luma is not ("equalise" or "stretch") || Baseline is not (ImageNetGrayBaseline or ServedDefaultBaseline)))
                return ValidationResult.Error("--luma is equalise or stretch, with --baseline imagenet-gray or default.");
            if (Threshold is not null && ThresholdSpreads is not null) return ValidationResult.Error("Give --threshold or --threshold-spreads, not both.");
            if (Products is < ChanceScores.MinimumVectors) return ValidationResult.Error($"--products is at least {ChanceScores.MinimumVectors}.");
            if (Grouping && Threshold is null && ThresholdSpreads is null && (CalibrateOn == Split || Split == "all" || CalibrateOn is not ("train" or "validation")))
                return ValidationResult.Error("--grouping calibrates on another split than the evaluated one: give --split validation (or train) and --calibrate-on the other, or a --threshold.");
            if (TargetPrecision is <= 0 or > 1) return ValidationResult.Error("--target-precision is in (0, 1].");
            if (Neighbours is < 1 or > 100) return ValidationResult.Error("--neighbours is 1 to 100.");
            if (Verifier && (Split != "validation" || LearnedWhitening is not null || Grouping))
                return ValidationResult.Error("--verifier goes with --split validation, without --learned-whitening or --grouping.");
            if (VerifierCandidates is < 10 or > 100) return ValidationResult.Error("--verifier-candidates is 10 to 100.");
            if ((PrCurve is not null || Threshold is not null || ThresholdSpreads is not null) && !Grouping) return ValidationResult.Error("--pr-curve, --threshold and --threshold-spreads go with --grouping.");
            if (Model is not null && !File.Exists(Model)) return ValidationResult.Error($"No model file {Model}.");
            if (Baseline is not null and not (ColourHistogramBaseline or ImageNetRgbBaseline or ImageNetGrayBaseline or ServedDefaultBaseline or StructureBaseline))
                return ValidationResult.Error($"Unknown baseline '{Baseline}'.");
            if (Split is not ("all" or "train" or "validation" or "tuning")) return ValidationResult.Error("--split is all, train, validation or tuning.");
            if (Grouping && Split == "tuning") return ValidationResult.Error("--grouping does not go with --split tuning (its calibration split overlaps it).");
            if ((HeadEpochs is not null || HeadLearningRate is not null || HeadPenalty is not null || HeadMargin is not null || HeadCurve) && LearnedWhitening is null)
                return ValidationResult.Error("--head-epochs, --head-lr, --head-penalty, --head-margin and --head-curve go with --learned-whitening.");
            if (HeadEpochs is < 1) return ValidationResult.Error("--head-epochs is at least 1.");
            if (HeadCurve && (Split != "tuning" || HeadEpochs is null)) return ValidationResult.Error("--head-curve goes with --head-epochs and --split tuning.");
            if (HeadLearningRate is <= 0 || HeadPenalty is < 0 || HeadMargin is <= 0) return ValidationResult.Error("--head-lr and --head-margin are positive, --head-penalty at least 0.");
            if (Structure is not null)
            {
                if (Baseline != StructureBaseline) return ValidationResult.Error("--structure goes with --baseline structure.");
                try { StructureOptions.Parse(Structure); }
                catch (FormatException e) { return ValidationResult.Error($"--structure: {e.Message}"); }
            }
            if (Blocks is not null)
            {
                if (Vectors is null) return ValidationResult.Error("--blocks goes with --vectors (a model's file gives its own).");
                try { DescriptorBlocks.Parse(Blocks); }
                catch (FormatException e) { return ValidationResult.Error($"--blocks: {e.Message}"); }
            }
            if (BaselineSize is { } size && (size is < 64 or > 1024 || size % 32 != 0)) return ValidationResult.Error("--baseline-size is a multiple of 32 from 64 to 1024.");
            if (Descriptor is not null && Baseline is not (ImageNetRgbBaseline or ImageNetGrayBaseline))
                return ValidationResult.Error("--descriptor goes with --baseline imagenet-gray or imagenet-rgb.");
            if (Descriptor is not null)
            {
                try { DescriptorOptions.Parse(Descriptor); }
                catch (FormatException e) { return ValidationResult.Error($"--descriptor: {e.Message}"); }
            }
            if (LearnedWhitening is not null && (Split is not ("validation" or "tuning") || (LearnedWhitening != "all" && !(int.TryParse(LearnedWhitening, out var styles) && styles >= 1))))
                return ValidationResult.Error("--learned-whitening is all or a number of styles, with --split validation or tuning.");
            if (Grouping && (MinedWhitening || RecolouredWhitening))
                return ValidationResult.Error("--grouping does not yet go with --mined-whitening or --recoloured-whitening (the calibration split would need its own fit).");
            if (MinedWhitening && LearnedWhitening is not null) return ValidationResult.Error("Give --mined-whitening or --learned-whitening, not both.");
            if (RecolouredWhitening && LearnedWhitening is not null) return ValidationResult.Error("Give --recoloured-whitening or --learned-whitening, not both.");
            if (RecolouredWhitening && Vectors is not null && (RecolouredVectors is null || !File.Exists(RecolouredVectors)))
                return ValidationResult.Error("--recoloured-whitening with --vectors reads the recoloured vectors from an existing --recoloured-vectors file.");
            if (Whiten && NoWhiten) return ValidationResult.Error("Give --whiten or --no-whiten, not both.");
            return Batch is < 1 or > 256 ? ValidationResult.Error("--batch is 1 to 256.") : ValidationResult.Success();
        }
    }

    public override Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var catalog = CatalogFolder.Read(settings.Catalog);
        var entries = InSplit(catalog, settings.Split);
        if (settings.Products is { } products) entries = FirstStyles(entries, products);
        var calibrating = settings.Grouping && settings.Threshold is null && settings.ThresholdSpreads is null;
        var calibrationEntries = calibrating ? InSplit(catalog, settings.CalibrateOn) : [];
        var learningEntries = settings.LearnedWhitening is null && !settings.Verifier ? [] : InSplit(catalog, settings.Split == "tuning" ? LearningForTuning : "train");
        var clock = Stopwatch.StartNew();

        string name;
        string? descriptorText = null;
        var input = (Size: 224, Colour: ColourMode.Rgb); // what the embedding sees
        IReadOnlyList<CatalogVector> vectors;
        IReadOnlyList<CatalogVector>? recoloured = null;
        IReadOnlyList<DescriptorBlock>? blocks = settings.Blocks is null ? null : DescriptorBlocks.Parse(settings.Blocks);
        var toEmbed = entries.Concat(calibrationEntries).Concat(learningEntries).ToList();
        if (settings.Vectors is not null)
        {
            name = Path.GetFileNameWithoutExtension(settings.Vectors);
            vectors = ReadVectors(settings.Vectors, toEmbed);
        }
        else if (settings.Baseline == ColourHistogramBaseline)
        {
            name = ColourHistogramBaseline;
            vectors = WithProgress(toEmbed.Count, $"Colour histograms of {toEmbed.Count} images", progress => HistogramsOf(toEmbed, progress));
        }
        else
        {
            var path = settings.Model ?? PrepareBaseline(settings, out descriptorText);
            using var model = EmbeddingModel.Load(path);
            name = settings.Baseline is null ? model.Name
                : settings.BaselineSize is { } size && size != BaselineSizeOf(settings) ? $"{settings.Baseline} {size} px" : settings.Baseline;
            input = (model.Preprocessing.InputSize, model.Preprocessing.ColourMode);
            blocks = model.Blocks;
            AnsiConsole.MarkupLineInterpolated($"Model [bold]{model.Name}[/] ({path}): {model.Dimensions} dimensions, {model.Preprocessing.InputSize} px, {model.Preprocessing.ColourMode}, {model.ExecutionProvider}.");
            vectors = WithProgress(toEmbed.Count, $"Embedding {toEmbed.Count} images", progress =>
                CatalogEmbedder.Embed(model, toEmbed, settings.Batch, progress, cancellationToken));
            if (settings.RecolouredWhitening && (settings.RecolouredVectors is null || !File.Exists(settings.RecolouredVectors)))
            {
                recoloured = WithProgress(entries.Count, $"Embedding {entries.Count} recoloured images", progress =>
                    CatalogEmbedder.Embed(model, entries, settings.Batch, progress, cancellationToken, (image, entry) => Recolouring.Apply(image, Recolouring.SeedOf(entry.Sku))));
                if (settings.RecolouredVectors is not null) WriteVectors(settings.RecolouredVectors, recoloured.Where(v => v.Vector is not null).Select(v => (v.Entry.Sku, v.Vector!)).ToList());
            }
        }
        if (settings.RecolouredWhitening && recoloured is null) recoloured = ReadVectors(settings.RecolouredVectors!, entries);

        foreach (var failed in vectors.Where(v => v.Vector is null))
            AnsiConsole.MarkupLineInterpolated($"[yellow]line {failed.Entry.Line}, {failed.Entry.Sku}: {failed.Problem} (left out)[/]");
        var whiten = settings.Whiten || (settings.Baseline == ServedDefaultBaseline && !settings.NoWhiten);
        var whiteningOptions = new WhiteningOptions(MaxRank: settings.WhitenRank ?? int.MaxValue,
            Shrinkage: settings.WhitenShrinkage ?? WhiteningOptions.Default.Shrinkage, LearnedPower: settings.LearnedPower ?? 0, Blocks: blocks);
        (CatalogWhitening, string)? learned = settings.LearnedWhitening is not null
            ? LearnWhitening(vectors.Skip(entries.Count + calibrationEntries.Count).ToList(), settings, whiteningOptions, vectors.Take(entries.Count).ToList(), cancellationToken)
            : recoloured is not null || settings.MinedWhitening
                ? LabelFreeWhitening(vectors.Take(entries.Count).ToList(), recoloured, settings.MinedWhitening ? settings.MinedMinDeltaE : null, whiteningOptions)
                : null;
        var items = ItemsOf(vectors.Take(entries.Count), learned, whiten, whiteningOptions, out var whiteningText);
        var report = RetrievalEvaluator.Evaluate(items);

        AnsiConsole.MarkupLineInterpolated($"{name} on {catalog.Root} ({settings.Split} split, {report.Items} images{(whiteningText is null ? "" : $", whitened on the {whiteningText}")}) in {clock.Elapsed.TotalSeconds:0} s:");
        AnsiConsole.Write(Table(report));
        if (report.Shade is { } shade)
            AnsiConsole.MarkupLineInterpolated($"Shade bias (same category, {shade.Queries} queries): {F(shade.SameShade)} of the wrong top-10 neighbours share the query's {ShadeColumn}; {F(shade.Chance)} of its category's products do.");

        VerifierFigures? verified = null;
        if (settings.Verifier)
        {
            // Each split whitened on itself, as a catalog would be; swatches read from the images.
            var trainVectors = vectors.Skip(entries.Count + calibrationEntries.Count).ToList();
            var trainItems = ItemsOf(trainVectors, null, whiten, whiteningOptions, out _);
            var blocksOf = blocks ?? DescriptorBlocks.Single(items[0].Vector.Length);
            var embeddedEntries = vectors.Where(v => v.Vector is not null).Select(v => v.Entry).ToList();
            var swatches = WithProgress(embeddedEntries.Count, $"Swatches of {embeddedEntries.Count} images", progress => SwatchesOf(embeddedEntries, progress));
            var colourOf = embeddedEntries.Select((e, i) => (e.Sku, Colour: swatches[i] is { } sw ? Lab.FromRgb(Swatch.ParseHex(sw.Hex)) : (Lab?)null))
                .ToDictionary(x => x.Sku, x => x.Colour, StringComparer.Ordinal);
            VerifierSplit Split(string splitName, IReadOnlyList<EmbeddedItem> splitItems, IReadOnlyList<CatalogVector> splitVectors) =>
                new(splitName, splitItems, splitItems.Select(i => colourOf[i.Sku]).ToList(), blocksOf);
            // Smaller catalogs of whole train styles, each whitened on itself: the verifier learns how a catalog's size moves its scores.
            var pieces = new List<VerifierSplit>();
            foreach (var size in VerifierCatalogSizes)
                foreach (var piece in Pieces(trainVectors, size))
                    pieces.Add(Split($"train piece of {piece.Count}", ItemsOf(piece, null, whiten, whiteningOptions, out _), piece));
            var evaluatedVectors = vectors.Take(entries.Count).ToList();
            var smaller = new[] { 400, 700 }.Select(size => Pieces(evaluatedVectors, size)[0])
                .Select(piece => Split($"first {piece.Count} of the {settings.Split} styles", ItemsOf(piece, null, whiten, whiteningOptions, out _), piece)).ToList();
            verified = VerifierEvaluation.Run(Split("train", trainItems, trainVectors), pieces, Split(settings.Split, items, evaluatedVectors), smaller,
                settings.VerifierCandidates, settings.TargetPrecision, settings.Neighbours);
        }

        GroupingFigures? grouping = null;
        if (settings.Grouping)
        {
            var calibrationItems = calibrating ? ItemsOf(vectors.Skip(entries.Count).Take(calibrationEntries.Count), learned, whiten, whiteningOptions, out _) : [];
            grouping = Group(settings, items, calibrationItems);
            if (grouping is null) return Task.FromResult(1);
        }

        if (settings.Json is not null)
        {
            new EvalRecord(name, settings.Model is null ? null : Path.GetFullPath(settings.Model), settings.Baseline, input.Size,
                input.Colour.ToString().ToLowerInvariant(), descriptorText, whiteningText, catalog.Root, catalog.Fingerprint, settings.Split,
                report.Items, report.Open, report.SameCategory, report.Shade, Math.Round(clock.Elapsed.TotalSeconds, 1), grouping, verified).Write(settings.Json);
            AnsiConsole.MarkupLineInterpolated($"Figures written to {settings.Json}.");
        }
        if (settings.EmbeddingsOut is not null) WriteVectors(settings.EmbeddingsOut, items.Select(i => (i.Sku, i.Vector)).ToList());
        return Task.FromResult(0);
    }

    /// <summary>The sizes of the smaller catalogs the verifier also learns from (whole train styles, in SHA-1 order).</summary>
    private static readonly int[] VerifierCatalogSizes = [400, 1200];

    /// <summary>Consecutive runs of whole styles (in the order of their SHA-1) of about <paramref name="size"/> products each; a short last run is left out.</summary>
    private static List<List<CatalogVector>> Pieces(IReadOnlyList<CatalogVector> vectors, int size)
    {
        var pieces = new List<List<CatalogVector>>();
        var current = new List<CatalogVector>();
        foreach (var style in vectors.Where(v => v.Vector is not null).GroupBy(v => v.Entry.Style!).OrderBy(g => StyleSplit.Hash(g.Key), StringComparer.Ordinal))
        {
            current.AddRange(style);
            if (current.Count < size) continue;
            pieces.Add(current);
            current = [];
        }
        return pieces;
    }

    /// <summary>What a learned whitening learns from when the tuning split is evaluated: the other train styles.</summary>
    private const string LearningForTuning = "train-0-8";

    private static List<CatalogEntry> InSplit(CatalogFolder catalog, string split) => catalog.Entries
        .Where(e => e.Style is not null && InSplit(e.Style, split))
        .ToList();

    private static bool InSplit(string style, string split) => split switch
    {
        "all" => true,
        "train" => StyleSplit.Of(style) == SplitPart.Train,
        "validation" => StyleSplit.Of(style) == SplitPart.Validation,
        // The last quarter of the train styles (SHA-1 9-b) tunes; the rest (0-8) learns.
        "tuning" => StyleSplit.Of(style) == SplitPart.Train && StyleSplit.Hash(style)[0] >= '9',
        LearningForTuning => StyleSplit.Hash(style)[0] < '9',
        _ => throw new ArgumentOutOfRangeException(nameof(split), split, null),
    };

    /// <summary>Whole styles in the order of their SHA-1 (no sort that knows about the products) until <paramref name="products"/> are taken.</summary>
    private static List<CatalogEntry> FirstStyles(List<CatalogEntry> entries, int products)
    {
        var taken = new List<CatalogEntry>();
        foreach (var style in entries.GroupBy(e => e.Style!).OrderBy(g => StyleSplit.Hash(g.Key), StringComparer.Ordinal))
        {
            if (taken.Count >= products) break;
            taken.AddRange(style);
        }
        return taken;
    }

    /// <summary>
    /// The embedded products as evaluation items: through a learned whitening when one is given,
    /// else whitened on themselves (labels unread) when asked, as the service does with the catalog it serves.
    /// </summary>
    private static List<EmbeddedItem> ItemsOf(IEnumerable<CatalogVector> vectors, (CatalogWhitening Whitening, string Text)? learned,
        bool whiten, WhiteningOptions options, out string? whiteningText)
    {
        var embedded = vectors.Where(v => v.Vector is not null).ToList();
        whiteningText = null;
        if (learned is { } given)
        {
            embedded = embedded.Select(v => v with { Vector = given.Whitening.Apply(v.Vector) }).ToList();
            whiteningText = given.Text;
        }
        else if (whiten)
        {
            var whitening = CatalogWhitening.Fit(embedded.Select(v => v.Vector!).ToList(), options);
            embedded = embedded.Select(v => v with { Vector = whitening.Apply(v.Vector) }).ToList();
            whiteningText = $"catalog ({whitening.SampleCount} vectors, rank {whitening.Rank})";
        }
        return embedded.Select(v => new EmbeddedItem(v.Entry.Sku, v.Entry.Style!, v.Entry.Category, v.Vector!, ShadeOf(v.Entry))).ToList();
    }

    /// <summary>
    /// A learned whitening on the evaluated catalog itself, labels unread: each product and its
    /// made-up colour variant, and/or the mined pairs (MinedPairs) whose swatches differ by more
    /// than <paramref name="minedMinDeltaE"/>. How many mined pairs are true variants is printed
    /// (the labels are read for that line only).
    /// </summary>
    private static (CatalogWhitening, string) LabelFreeWhitening(IReadOnlyList<CatalogVector> catalog, IReadOnlyList<CatalogVector>? recoloured, double? minedMinDeltaE, WhiteningOptions options)
    {
        var embedded = catalog.Where(v => v.Vector is not null).ToList();
        var raw = embedded.Select(v => v.Vector!).ToList();
        var pairs = new List<(float[], float[])>();
        var parts = new List<string>();
        if (recoloured is not null)
        {
            var bySku = recoloured.Where(v => v.Vector is not null).ToDictionary(v => v.Entry.Sku, v => v.Vector!, StringComparer.Ordinal);
            pairs.AddRange(embedded.Where(v => bySku.ContainsKey(v.Entry.Sku)).Select(v => (v.Vector!, bySku[v.Entry.Sku])));
            parts.Add($"{pairs.Count} recoloured pairs");
        }
        var clock = Stopwatch.StartNew();
        if (minedMinDeltaE is { } minDeltaE)
        {
            var swatches = WithProgress(embedded.Count, $"Swatches of {embedded.Count} images", progress => SwatchesOf(embedded.Select(v => v.Entry).ToList(), progress));
            clock.Restart();
            var colours = swatches.Select(s => s is null ? (Lab?)null : Lab.FromRgb(Swatch.ParseHex(s.Hex))).ToList();
            var fit = VariantWhitening.Fit(raw, embedded.Select(v => v.Entry.Category).ToList(), colours, pairs, options, minDeltaE);
            var mined = fit.MinedPairs;
            var precision = (double)mined.Count(p => embedded[p.A].Entry.Style == embedded[p.B].Entry.Style) / Math.Max(1, mined.Count);
            AnsiConsole.MarkupLineInterpolated($"Mined {mined.Count} pairs (mutual nearest neighbours of a category, swatches more than DeltaE {minDeltaE} apart); by the labels, {F(precision)} of them are variants. Fitted in {clock.Elapsed.TotalSeconds:0} s.");
            parts.Add($"{mined.Count} mined pairs (DeltaE > {minDeltaE.ToString(CultureInfo.InvariantCulture)}, {F(precision)} variants)");
            if (!fit.Learned) parts.Add("too few pairs: catalog whitening only");
            return (fit.Whitening, $"learned on the catalog, labels unread ({fit.Whitening.SampleCount} vectors, {string.Join(", ", parts)}, rank {fit.Whitening.Rank})");
        }
        var learned = CatalogWhitening.FitLearned(raw, pairs, options);
        AnsiConsole.MarkupLineInterpolated($"Label-free learned whitening fitted in {clock.Elapsed.TotalSeconds:0} s.");
        return (learned, $"learned on the catalog, labels unread ({learned.SampleCount} vectors, {string.Join(", ", parts)}, rank {learned.Rank})");
    }

    private static Swatch?[] SwatchesOf(IReadOnlyList<CatalogEntry> entries, IProgress<int> progress)
    {
        var limits = new IntakeLimits();
        var swatches = new Swatch?[entries.Count];
        var done = 0;
        Parallel.For(0, entries.Count, i =>
        {
            try
            {
                using var image = ImageIntake.Decode(File.ReadAllBytes(entries[i].ImagePath), limits);
                swatches[i] = Swatch.Of(image);
            }
            catch (Exception e) when (e is ImageRejectedException or IOException)
            {
                // No swatch: the product takes part in no mined pair.
            }
            progress.Report(Interlocked.Increment(ref done));
        });
        return swatches;
    }

    /// <summary>
    /// A learned whitening on the learning split (train, or its styles 0-8 when tuning): its vectors and the
    /// colour-variant pairs of its first --learned-whitening labelled styles; then, with --head-epochs, a
    /// linear head trained on the same styles' whitened vectors, folded into it.
    /// </summary>
    private static (CatalogWhitening, string) LearnWhitening(IReadOnlyList<CatalogVector> train, Settings settings, WhiteningOptions options,
        IReadOnlyList<CatalogVector> evaluated, CancellationToken cancellationToken)
    {
        var embedded = train.Where(v => v.Vector is not null).ToList();
        var labelled = embedded.GroupBy(v => v.Entry.Style!).Where(g => g.Count() > 1)
            .OrderBy(g => StyleSplit.Hash(g.Key), StringComparer.Ordinal).ToList();
        if (settings.LearnedWhitening != "all") labelled = labelled.Take(int.Parse(settings.LearnedWhitening!, CultureInfo.InvariantCulture)).ToList();
        var pairs = new List<(float[], float[])>();
        foreach (var style in labelled)
        {
            var members = style.ToList();
            for (var i = 0; i < members.Count; i++)
                for (var j = i + 1; j < members.Count; j++) pairs.Add((members[i].Vector!, members[j].Vector!));
        }
        var clock = Stopwatch.StartNew();
        var whitening = CatalogWhitening.FitLearned(embedded.Select(v => v.Vector!).ToList(), pairs, options);
        AnsiConsole.MarkupLineInterpolated($"Learned whitening fitted in {clock.Elapsed.TotalSeconds:0} s.");
        var text = $"learned on the {(settings.Split == "tuning" ? "train styles 0-8" : "train split")} ({whitening.SampleCount} vectors, {pairs.Count} variant pairs of {labelled.Count} styles, rank {whitening.Rank})";
        if (settings.HeadEpochs is not { } epochs) return (whitening, text);

        // The head learns from the same labelled styles as the whitening; other products are left out.
        var known = labelled.Select(g => g.Key).ToHashSet(StringComparer.Ordinal);
        var learners = embedded.Where(v => known.Contains(v.Entry.Style!)).ToList();
        var head = new LinearHeadOptions(
            LearningRate: settings.HeadLearningRate ?? new LinearHeadOptions().LearningRate,
            IdentityPenalty: settings.HeadPenalty ?? new LinearHeadOptions().IdentityPenalty,
            Margin: settings.HeadMargin ?? new LinearHeadOptions().Margin);
        clock.Restart();
        using var trainer = new LinearHeadTrainer(learners.Select(v => whitening.Apply(v.Vector!)).ToList(), learners.Select(v => v.Entry.Style).ToList(), head);
        var curve = settings.HeadCurve ? evaluated.Where(v => v.Vector is not null).Select(v => (v.Entry, Vector: whitening.Apply(v.Vector!))).ToList() : null;
        var table = new Table().Border(TableBorder.Simple).AddColumns("epoch", "triplet loss", "active", "same-cat R@1", "same-cat mAP@R", "open mAP@R");
        if (curve is not null) table.AddRow(["0", "", "", .. CurveFigures(trainer, curve)]);
        for (var epoch = 0; epoch < epochs; epoch++)
        {
            var result = trainer.TrainEpoch(cancellationToken);
            var figures = curve is null ? ["", "", ""] : CurveFigures(trainer, curve);
            table.AddRow([result.Epoch.ToString(CultureInfo.InvariantCulture), F(result.Loss), F(result.ActiveFraction), .. figures]);
        }
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLineInterpolated($"Linear head: {epochs} epochs on {learners.Count} products of {labelled.Count} styles in {clock.Elapsed.TotalSeconds:0} s.");
        var composed = whitening.Then(trainer.Head());
        return (composed, $"{text}, then a linear head ({epochs} epochs, lr {G(head.LearningRate)}, penalty {G(head.IdentityPenalty)}, margin {G(head.Margin)})");
    }

    /// <summary>The evaluated split through the head as it stands: same-category R@1 and mAP@R, open mAP@R.</summary>
    private static string[] CurveFigures(LinearHeadTrainer trainer, IReadOnlyList<(CatalogEntry Entry, float[] Vector)> evaluated)
    {
        var outputs = trainer.Apply(evaluated.Select(e => e.Vector).ToList());
        var report = RetrievalEvaluator.Evaluate(evaluated.Select((e, i) => new EmbeddedItem(e.Entry.Sku, e.Entry.Style!, e.Entry.Category, outputs[i], ShadeOf(e.Entry))).ToList());
        return [F(report.SameCategory.RecallAt1), F(report.SameCategory.MapAtR), F(report.Open.MapAtR)];
    }

    private static string G(double value) => value.ToString("G3", CultureInfo.InvariantCulture);

    /// <summary>
    /// The variant decision and the grouping: a threshold chosen on one split's labels (or given),
    /// then judged on the evaluated split's nearest pairs and on the groups it makes there.
    /// </summary>
    private static GroupingFigures? Group(Settings settings, IReadOnlyList<EmbeddedItem> items, IReadOnlyList<EmbeddedItem> calibrationItems)
    {
        // A threshold moves between catalogs as their chance scores do (ChanceScores): one found on
        // another split is carried over in spreads above chance, not as a cosine.
        var chance = ChanceScores.Of(items.Select(i => i.Vector).ToList())!;
        float threshold;
        string source;
        if (settings.Threshold is { } given)
        {
            (threshold, source) = (given, "given");
        }
        else if (settings.ThresholdSpreads is { } givenSpreads)
        {
            threshold = (float)chance.ScoreAt(givenSpreads);
            source = $"{Z(givenSpreads)} spreads above chance, given";
        }
        else
        {
            var calibrationPairs = VariantDecision.NearestPairs(calibrationItems, settings.Neighbours);
            var calibrationPositives = PairwiseFigures.PositivePairs(calibrationItems.Select(i => i.Style));
            if (VariantDecision.Calibrate(calibrationPairs, calibrationPositives, settings.TargetPrecision) is not { } calibrated)
            {
                AnsiConsole.MarkupLineInterpolated($"[red]No threshold reaches precision {settings.TargetPrecision} on the {settings.CalibrateOn} split's nearest pairs.[/]");
                return null;
            }
            var calibrationChance = ChanceScores.Of(calibrationItems.Select(i => i.Vector).ToList())!;
            var spreads = calibrationChance.SpreadsAbove(calibrated.Score);
            threshold = (float)chance.ScoreAt(spreads);
            source = $"calibrated on the {settings.CalibrateOn} split ({calibrationItems.Count} images): cosine {calibrated.Score.ToString("0.0000", CultureInfo.InvariantCulture)} there, " +
                     $"{Z(spreads)} spreads above its chance, precision {F(calibrated.Figures.Precision)}, recall {F(calibrated.Figures.Recall)} there";
        }
        AnsiConsole.MarkupLineInterpolated($"Chance scores here: mean {chance.Mean.ToString("0.0000", CultureInfo.InvariantCulture)}, spread {chance.Spread.ToString("0.0000", CultureInfo.InvariantCulture)} (all pairs of {chance.Vectors} products).");

        var neighbours = VariantDecision.NearestInCategory(items, settings.Neighbours);
        var pairs = VariantDecision.NearestPairs(items, neighbours); // one search serves the decision and the groups
        var positives = PairwiseFigures.PositivePairs(items.Select(i => i.Style));
        var decision = VariantDecision.At(pairs, positives, threshold);
        var groups = VariantGrouping.Group(neighbours, threshold);
        var grouped = VariantGrouping.Score(items, groups);
        var groupCount = groups.Distinct().Count();

        AnsiConsole.MarkupLineInterpolated($"Variant threshold {threshold.ToString("0.0000", CultureInfo.InvariantCulture)}, {Z(chance.SpreadsAbove(threshold))} spreads above chance here ({source}).");
        var table = new Table().Border(TableBorder.Simple).AddColumns("on this split", "pairs called variants", "precision", "recall", "F1");
        table.AddRow($"decision on each product's {settings.Neighbours} nearest", decision.Predicted.ToString(CultureInfo.InvariantCulture), F(decision.Precision), F(decision.Recall), F(decision.F1));
        table.AddRow($"groups ({groupCount} for {items.Count} products)", grouped.Predicted.ToString(CultureInfo.InvariantCulture), F(grouped.Precision), F(grouped.Recall), F(grouped.F1));
        AnsiConsole.Write(table);
        if (settings.PrCurve is not null)
        {
            PrecisionRecallPlot.Save(settings.PrCurve, VariantDecision.Curve(pairs, positives), threshold, $"{settings.Split} split, {items.Count} images, each product's {settings.Neighbours} nearest of its category");
            AnsiConsole.MarkupLineInterpolated($"Precision-recall curve drawn to {settings.PrCurve}.");
        }
        return new GroupingFigures(threshold, Math.Round(chance.SpreadsAbove(threshold), 2), source, settings.TargetPrecision, settings.Neighbours, decision, grouped, groupCount);
    }

    /// <summary>Vectors of an earlier --embeddings-out, for the entries asked; others are reported missing.</summary>
    private static IReadOnlyList<CatalogVector> ReadVectors(string path, IReadOnlyList<CatalogEntry> entries)
    {
        var bySku = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(path).Skip(1))
        {
            var fields = line.Split(',');
            var vector = new float[fields.Length - 1];
            for (var i = 1; i < fields.Length; i++) vector[i - 1] = float.Parse(fields[i], CultureInfo.InvariantCulture);
            bySku[fields[0]] = vector;
        }
        return entries.Select(e => bySku.TryGetValue(e.Sku, out var v) ? new CatalogVector(e, v, null) : new CatalogVector(e, null, $"not in {path}")).ToList();
    }

    /// <summary>The prepared ImageNet model a baseline names, made once per descriptor and size beside the CLI.</summary>
    private static string PrepareBaseline(Settings settings, out string descriptorText)
    {
        var size = settings.BaselineSize ?? BaselineSizeOf(settings);
        if (settings.Baseline == StructureBaseline)
        {
            var structure = settings.Structure is null ? StructureOptions.Default : StructureOptions.Parse(settings.Structure);
            descriptorText = $"structure={structure}";
            return DefaultModel.EnsureStructureOnly(Path.Combine(AppContext.BaseDirectory, "models", $"structure-{structure.Cells}x{structure.Bins}-{size}px.onnx"), size, structure);
        }
        var colour = settings.Baseline == ImageNetRgbBaseline ? ColourMode.Rgb
            : settings.Luma switch { "equalise" => ColourMode.GrayEqualised, "stretch" => ColourMode.GrayStretched, _ => ColourMode.Gray };
        var descriptor = settings.Baseline == ServedDefaultBaseline ? DescriptorOptions.Default
            : settings.Descriptor is null ? DescriptorOptions.Plain : DescriptorOptions.Parse(settings.Descriptor);
        descriptorText = descriptor.ToString();
        var key = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes($"{colour} {size} {descriptor} {DefaultModel.DefaultVerifier}")))[..12];
        var fileName = $"resnet18-imagenet-{colour.ToString().ToLowerInvariant()}-{size}px-{key}.onnx";
        return DefaultModel.EnsurePrepared(Path.Combine(AppContext.BaseDirectory, "models", fileName), colour, size, descriptor);
    }

    /// <summary>The served default at its own size; the plain ImageNet baselines at the 224 px they were trained at.</summary>
    private static int BaselineSizeOf(Settings settings) => settings.Baseline is ServedDefaultBaseline or StructureBaseline ? DefaultModel.DefaultInputSize : 224;

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

    private static string Z(double spreads) => spreads.ToString("0.00", CultureInfo.InvariantCulture);

    private static void WriteVectors(string path, IReadOnlyList<(string Sku, float[] Vector)> vectors)
    {
        using var writer = new StreamWriter(path, append: false, new UTF8Encoding(false));
        var dimensions = vectors.Count == 0 ? 0 : vectors[0].Vector.Length;
        writer.WriteLine("sku," + string.Join(',', Enumerable.Range(0, dimensions).Select(i => $"v{i}")));
        var line = new StringBuilder();
        foreach (var (sku, vector) in vectors)
        {
            line.Clear().Append(sku);
            foreach (var v in vector) line.Append(',').Append(v.ToString("R", CultureInfo.InvariantCulture));
            writer.WriteLine(line);
        }
        AnsiConsole.MarkupLineInterpolated($"Vectors of {vectors.Count} products written to {path}.");
    }
}
