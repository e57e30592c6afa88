using System.Globalization;
using System.Text.Json.Serialization;
using ColorVariants.Core.Images;
using ColorVariants.Core.Parts;
using ColorVariants.Training.Data;
using ColorVariants.Training.Models;

namespace ColorVariants.Training.Trainers;

/// <summary>
/// Everything a training run depends on. Written into the checkpoint and training.json; a re-run in
/// the same output folder resumes only when these agree (<see cref="Epochs"/>, <see cref="Device"/>,
/// <see cref="Threads"/>, <see cref="CacheDirectory"/>, <see cref="ExportSize"/> and the labels' source may change).
/// </summary>
public sealed record TrainingOptions
{
    /// <summary>Catalog folder (catalog.csv and its images).</summary>
    public required string Catalog { get; init; }

    /// <summary>Gets the checkpoint, training.json and the exported model.</summary>
    public required string OutputDirectory { get; init; }

    /// <summary><see cref="TrainingMethod.Triplet"/>, <see cref="TrainingMethod.SimClr"/> or <see cref="TrainingMethod.Cvssl"/>.</summary>
    public required string Method { get; init; }

    /// <summary>Side of the square model input; a multiple of 32 (64 for cvssl's half-picture parts).</summary>
    public int InputSize { get; init; } = 128;

    public int Epochs { get; init; } = 10;

    /// <summary>Products per batch for SimCLR and cvssl (each gives two views); triplet uses P x K instead.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Triplet: styles per batch (P).</summary>
    public int StylesPerBatch { get; init; } = 8;

    /// <summary>Triplet: images per style (K).</summary>
    public int ImagesPerStyle { get; init; } = 4;

    public double Margin { get; init; } = 0.2;

    /// <summary>
    /// Triplet: reviewers' verdicts, confirmed pairs as positives and rejected ones as hard negatives
    /// (<see cref="LabelGroups"/>), on top of the train styles; null: the styles alone. Its fingerprint is
    /// compared on resume, so changed verdicts are another run.
    /// </summary>
    public ReviewLabels? Labels { get; init; }

    /// <summary>Triplet with <see cref="Labels"/>: groups from the confirmed pairs alone, the styles ignored.</summary>
    public bool LabelsOnly { get; init; }

    /// <summary>Softmax temperature; null: 0.5 for SimCLR (its paper's NT-Xent value), 0.1 for cvssl (MoCo's InfoNCE value).</summary>
    public double? Temperature { get; init; }

    /// <summary>AdamW learning rate of the heads (and of the backbone, times <see cref="BackboneLearningRateScale"/>).</summary>
    public double LearningRate { get; init; } = 3e-4;

    /// <summary>The pretrained backbone moves slower than the freshly initialised heads, so its ImageNet features survive small noisy batches.</summary>
    public double BackboneLearningRateScale { get; init; } = 0.1;

    /// <summary>AdamW's decoupled weight decay (PyTorch's AdamW default).</summary>
    public double WeightDecay { get; init; } = 0.01;

    /// <summary>Backbone stages kept as loaded (0-5; 2 = the stem and layer1).</summary>
    public int FrozenStages { get; init; } = 2;

    public int EmbeddingSize { get; init; } = ProjectionHead.DefaultOutputSize;

    /// <summary>Hidden width of the projection heads; 0 for a single Linear.</summary>
    public int HeadHiddenSize { get; init; } = ProjectionHead.DefaultHiddenSize;

    /// <summary>cvssl's fixed parts, in <see cref="PartCrop.Parse"/>'s syntax.</summary>
    public string Parts { get; init; } = PartCrop.Format(PartCrop.Default);

    /// <summary>cvssl: keys from a momentum (MoCo) encoder and a queue of negatives per part; off: in-batch negatives only.</summary>
    public bool MomentumEncoder { get; init; } = true;

    public double Momentum { get; init; } = 0.99;

    public int QueueSize { get; init; } = 4096;

    /// <summary>Colour jitter strength (1 = SimCLR's strong jitter); triplet uses half of it.</summary>
    public double JitterStrength { get; init; } = 1.0;

    /// <summary>Chance a view is turned gray (triplet and cvssl; SimCLR keeps its paper's 0.2).</summary>
    public double GrayscaleProbability { get; init; } = 0.2;

    /// <summary>Random horizontal mirroring (triplet and cvssl; SimCLR always flips): a mirror keeps the design.</summary>
    public bool Flip { get; init; } = true;

    /// <summary>What the model sees, in training and (through the exported metadata) in serving.</summary>
    public ColourMode ColourMode { get; init; } = ColourMode.Rgb;

    public TrainingSplit Split { get; init; } = TrainingSplit.Train;

    /// <summary>Heads, sampling and augmentation all derive from it.</summary>
    public int Seed { get; init; } = 42;

    public TrainingDevice Device { get; init; } = TrainingDevice.Cpu;

    /// <summary>
    /// libtorch's intra-op CPU threads (process-wide); 0 keeps its default (one per core). On a CPU shared with
    /// other work 1 can be several times faster: waiting threads spin while the others are descheduled.
    /// </summary>
    public int Threads { get; init; }

    /// <summary>Where decoded images are cached; null: "cache" beside the output folder, so runs share it.</summary>
    public string? CacheDirectory { get; init; }

    /// <summary>Cuts every epoch short (smoke runs, tests); null: whole epochs.</summary>
    public int? MaxStepsPerEpoch { get; init; }

    /// <summary>
    /// Input size of the exported model, when it should differ from the training size: the network is
    /// fully convolutional and its parts are fractions, so a net trained on small pictures can serve
    /// larger ones. Null: <see cref="InputSize"/>. A finished run re-run with another value only re-exports.
    /// </summary>
    public int? ExportSize { get; init; }

    [JsonIgnore]
    public int EffectiveExportSize => ExportSize ?? InputSize;

    [JsonIgnore]
    public double EffectiveTemperature => Temperature ?? (Method == TrainingMethod.SimClr ? 0.5 : 0.1);

    [JsonIgnore]
    public string EffectiveCacheDirectory => CacheDirectory
        ?? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(OutputDirectory).TrimEnd(Path.DirectorySeparatorChar)) ?? ".", "cache");

    [JsonIgnore]
    public IReadOnlyList<PartCrop> PartCrops => PartCrop.Parse(Parts);

    /// <summary>The training run: e.g. cvssl-128px-e10-s42, cvssl-val-128px-e10-s42, triplet-labels-128px-e10-s42.</summary>
    [JsonIgnore]
    public string RunName
    {
        get
        {
            var split = Split switch { TrainingSplit.Validation => "-val", TrainingSplit.All => "-all", _ => "" };
            var labels = Labels is null ? "" : LabelsOnly ? "-labelsonly" : "-labels";
            return string.Create(CultureInfo.InvariantCulture, $"{Method}{labels}{split}-{InputSize}px-e{Epochs}-s{Seed}");
        }
    }

    /// <summary>The exported model: the run's name, and its input size when exported at another one (…-at192px).</summary>
    [JsonIgnore]
    public string ModelName => EffectiveExportSize == InputSize
        ? RunName
        : string.Create(CultureInfo.InvariantCulture, $"{RunName}-at{EffectiveExportSize}px");

    /// <summary>The default output folder for a run: runs/&lt;model name&gt; under the working folder.</summary>
    public static string DefaultOutputDirectory(string modelName) => Path.Combine("runs", modelName);

    /// <summary>The same options with full paths, so a checkpoint compares equal from any working folder.</summary>
    public TrainingOptions WithFullPaths() => this with
    {
        Catalog = Path.GetFullPath(Catalog),
        OutputDirectory = Path.GetFullPath(OutputDirectory),
        CacheDirectory = Path.GetFullPath(EffectiveCacheDirectory),
    };

    /// <summary>Throws <see cref="TrainingException"/> naming the first option out of range.</summary>
    public void Validate()
    {
        static void Require(bool ok, string message)
        {
            if (!ok) throw new TrainingException(message);
        }

        Require(Method is TrainingMethod.Triplet or TrainingMethod.SimClr or TrainingMethod.Cvssl,
            $"Method '{Method}' is not one of {TrainingMethod.Triplet}, {TrainingMethod.SimClr}, {TrainingMethod.Cvssl}.");
        Require(!string.IsNullOrWhiteSpace(Catalog), "A catalog folder is needed.");
        Require(!string.IsNullOrWhiteSpace(OutputDirectory), "An output folder is needed.");
        Require(InputSize is >= 32 and <= 1024 && CntkResNet18.AcceptsInputSize(InputSize, InputSize),
            $"Input size {InputSize}: CNTK's ResNet18 needs a multiple of 32 (32-1024).");
        Require(Epochs is >= 1 and <= 10_000, "Epochs must be 1-10000.");
        Require(BatchSize is >= 2 and <= 4096, "The batch size must be 2-4096: contrastive losses need other products in the batch.");
        Require(StylesPerBatch is >= 2 and <= 1024, "P (styles per batch) must be 2-1024.");
        Require(ImagesPerStyle is >= 2 and <= 64, "K (images per style) must be 2-64.");
        Require(Margin is > 0 and <= 2, "The margin must be in (0, 2] (unit vectors are at most 2 apart).");
        Require(Temperature is null or (> 0 and <= 10), "The temperature must be in (0, 10].");
        Require(LearningRate is > 0 and <= 1, "The learning rate must be in (0, 1].");
        Require(BackboneLearningRateScale is >= 0 and <= 10, "The backbone learning-rate scale must be 0-10.");
        Require(WeightDecay is >= 0 and < 1, "Weight decay must be in [0, 1).");
        Require(FrozenStages is >= 0 and <= CntkResNet18.StageCount, $"Frozen stages must be 0-{CntkResNet18.StageCount}.");
        Require(EmbeddingSize is >= 2 and <= 4096, "The embedding size must be 2-4096.");
        Require(HeadHiddenSize is >= 0 and <= 8192, "The head's hidden size must be 0-8192 (0: one Linear).");
        Require(Momentum is >= 0 and < 1, "The momentum must be in [0, 1).");
        Require(QueueSize is >= 1 and <= 1 << 20, "The queue size must be 1-1048576.");
        Require(JitterStrength is >= 0 and <= 2, "The jitter strength must be 0-2.");
        Require(GrayscaleProbability is >= 0 and <= 1, "The grayscale probability must be 0-1.");
        Require(Seed >= 0, "The seed must be 0 or more.");
        Require(Threads is >= 0 and <= 1024, "Threads must be 0 (libtorch's default) to 1024.");
        Require(MaxStepsPerEpoch is null or >= 1, "Max steps per epoch must be at least 1.");
        Require(Labels is null || Method == TrainingMethod.Triplet, "Review labels (--labels) train the triplet method only.");
        Require(Labels is null || Split == TrainingSplit.Train,
            "Review labels (--labels) train on the train split only: products of validation styles stay out of training.");
        Require(!LabelsOnly || Labels is not null, "--labels-only needs --labels.");
        Require(ExportSize is null || CntkResNet18.AcceptsInputSize(ExportSize.Value, ExportSize.Value), "The export size must be a multiple of 32.");
        if (Method == TrainingMethod.Cvssl)
        {
            IReadOnlyList<PartCrop> parts;
            try
            {
                parts = PartCrops;
            }
            catch (FormatException e)
            {
                throw new TrainingException($"Parts '{Parts}': {e.Message}");
            }
            foreach (var size in new[] { InputSize, EffectiveExportSize })
            {
                if (PartEmbeddingNet.PartSizeProblem(parts, size) is { } problem) throw new TrainingException(problem);
            }
        }
    }
}
