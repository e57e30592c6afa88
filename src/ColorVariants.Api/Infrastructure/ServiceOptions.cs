using System.ComponentModel.DataAnnotations;
using ColorVariants.Core.Embedding;
using ColorVariants.Inference.Embedding;

namespace ColorVariants.Api.Infrastructure;

public sealed class EmbeddingOptions
{
    public const string Section = "Embedding";

    /// <summary>The ONNX model to serve. Empty: the default ImageNet ResNet18 on grayscale, prepared on first start.</summary>
    public string? ModelPath { get; set; }
    /// <summary>Where the default model is prepared. Empty: a models folder beside the application.</summary>
    public string? ModelDirectory { get; set; }
    public EmbeddingDevice Device { get; set; } = EmbeddingDevice.Auto;
    [Range(1, 256)] public int MaxBatchSize { get; set; } = 16;
    [Range(0, 1000)] public int MaxBatchDelayMilliseconds { get; set; } = 5;
    /// <summary>ONNX Runtime intra-op threads; 0 lets it use every core.</summary>
    [Range(0, 256)] public int IntraOpThreads { get; set; }
    /// <summary>Products re-embedded per round when the catalog lacks vectors of the active model.</summary>
    [Range(1, 1024)] public int ReembedBatchSize { get; set; } = 32;
}

public sealed class UploadOptions : IValidatableObject
{
    public const string Section = "Upload";

    [Range(1024, 256L * 1024 * 1024)] public long MaxImageBytes { get; set; } = 10 * 1024 * 1024;
    [Range(1, 1_000_000_000)] public long MaxImagePixels { get; set; } = 40_000_000;
    /// <summary>Uploads handled at once; more wait in a queue, and past that get 429.</summary>
    [Range(1, 10_000)] public int MaxConcurrentUploads { get; set; } = 32;
    [Range(0, 100_000)] public int UploadQueueLimit { get; set; } = 512;
    /// <summary>
    /// Pixels decoded at once, over all uploads and searches: a decode of w x h waits until w·h of
    /// this is free, so decode memory stays near 7 bytes per pixel of it (README, Memory) however
    /// many uploads run. At least MaxImagePixels; the default lets two of the largest images decode at once.
    /// </summary>
    [Range(1, 10_000_000_000)] public long DecodePixelBudget { get; set; } = 80_000_000;
    /// <summary>When set, writes (PUT, DELETE) need this value in the X-Api-Key header.</summary>
    public string? ApiKey { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (DecodePixelBudget < MaxImagePixels)
            yield return new ValidationResult($"{nameof(DecodePixelBudget)} ({DecodePixelBudget:N0}) must be at least {nameof(MaxImagePixels)} ({MaxImagePixels:N0}).",
                [nameof(DecodePixelBudget)]);
    }
}

public sealed class SearchOptions
{
    public const string Section = "Search";

    /// <summary>
    /// HNSW candidate list size (hnsw.ef_search); iterative scans extend it when filters need more.
    /// 80 costs 0.64-0.71 x the tps of 40 (deploy/bench), and buys whole answers (remarks).
    /// </summary>
    /// <remarks>
    /// 80, not pgvector's 40: at 40 a same-category HNSW search of IndexQualityTests (600 dev-set
    /// products, every search through the index) returned 5 of a category's 6 other products once;
    /// at 80 every count was whole and 99.92 % / 99.96 % of top-10 positions matched exact search.
    /// </remarks>
    [Range(1, 1000)] public int EfSearch { get; set; } = 80;
    /// <summary>
    /// A category with at most this many vectors is searched exactly (a scan of the category) instead
    /// of through the HNSW index: filtered HNSW scans lose recall when a category is spread thinly
    /// across the index, and scanning a few thousand half-precision vectors takes milliseconds.
    /// </summary>
    [Range(0, 1_000_000)] public int ExactSearchMaxRows { get; set; } = 5_000;
    [Range(1, 1000)] public int MaxLimit { get; set; } = 100;
    [Range(1, 1000)] public int DefaultLimit { get; set; } = 10;
    /// <summary>When set, POST /variants/search (it runs the model) needs this value, or Upload:ApiKey, in the X-Api-Key header.</summary>
    public string? ApiKey { get; set; }
    /// <summary>
    /// Searches by image each client (remote address) may make per minute, in bursts of up to as
    /// many; past that 429 with Retry-After. 0: no per-client limit. Behind a proxy, have it send
    /// X-Forwarded-For and set ASPNETCORE_FORWARDEDHEADERS_ENABLED=true, or every client is the proxy.
    /// </summary>
    [Range(0, 1_000_000)] public int SearchesPerClientPerMinute { get; set; } = 120;
}

/// <summary>How a model decides which neighbours are colour variants (README, Configuration; issue 8).</summary>
public sealed class VariantDecisionOptions
{
    public const string Section = "Variants";

    /// <summary>
    /// The threshold of a model that has none of its own (metadata colorvariants.variant_threshold)
    /// and no calibration, in spreads above the catalog's chance scores (Core ChanceScores): the
    /// served default's, calibrated on the dev set's train styles and carried to the validation
    /// styles as EVALUATION.md's grouping protocol does (docs/RESULTS.md, "The decision").
    /// </summary>
    [Range(0.0, 100.0)] public double DefaultSpreadsAboveChance { get; set; } = 16.59;
    /// <summary>Rank and decide with the model file's verifier when it has one (Variants/VariantRanking); false: by score and threshold alone.</summary>
    public bool UseVerifier { get; set; } = true;
    /// <summary>A fixed cosine instead of <see cref="DefaultSpreadsAboveChance"/> (unset: none).</summary>
    [Range(-1.0, 1.0)] public double? DefaultThreshold { get; set; }
    /// <summary>The product attribute whose equal values mark colour variants (what an import's `style` column becomes).</summary>
    [Required, MinLength(1)] public string LabelAttribute { get; set; } = "style";
    /// <summary>The share of the pairs called variants that must be variants on the labelled products.</summary>
    [Range(0.5, 1.0)] public double TargetPrecision { get; set; } = 0.9;
    /// <summary>Fewer labelled products than this calibrate nothing: a precision over a few pairs is luck.</summary>
    [Range(10, int.MaxValue)] public int MinimumLabelledProducts { get; set; } = 100;
    /// <summary>Each labelled product's nearest neighbours in its category that the calibration scores (as /variants shows them).</summary>
    [Range(1, 100)] public int Neighbours { get; set; } = 10;
    /// <summary>
    /// Two products of one group (or confirmed) whose swatches are at most this far apart in
    /// CIEDE2000 are flagged sameColour: likely duplicate listings, not colour variants (README,
    /// The variant answer, for how the default was chosen on the dev set).
    /// </summary>
    [Range(0.0, 100.0)] public double SameColourMaxDeltaE { get; set; } = 2;
}

/// <summary>When the active model's catalog whitening is refitted in the background (README, How it works).</summary>
public sealed class WhiteningRefitOptions
{
    public const string Section = "Whitening";

    /// <summary>Automatic refits; a stored whitening is served either way, and POST /models/active/whitening fits on demand.</summary>
    public bool Enabled { get; set; } = true;
    /// <summary>No whitening is fitted on fewer vectors of the model: a small catalog's covariance is mostly noise.</summary>
    [Range(CatalogWhitening.MinimumSamples, int.MaxValue)] public int MinimumVectors { get; set; } = 256;
    /// <summary>Refit once the model's vector count has moved (up or down) by this share of the count the whitening was fitted on.</summary>
    [Range(0.001, 100.0)] public double RefitChange { get; set; } = 0.2;
    /// <summary>
    /// While products keep arriving (a bulk import), a due refit waits for a check that finds the
    /// vector count where the previous check left it, unless the count has grown to this many times
    /// the count of the last fit: an import refits in a few large steps and once at its end, not at
    /// every 20 %.
    /// </summary>
    [Range(1.0, 1000.0)] public double GrowthWhileBusy { get; set; } = 4;
    [Range(1, 86_400)] public int CheckIntervalSeconds { get; set; } = 60;
    /// <summary>
    /// Learn from variant pairs on top of the catalog whitening (Core VariantWhitening): the pairs
    /// the catalog gives away (mutual neighbours of other colours) and the confirmed reviews.
    /// Off by default until it wins on more than one split: the plain catalog whitening (docs/RESULTS.md has both).
    /// </summary>
    public bool LearnFromPairs { get; set; }
}
