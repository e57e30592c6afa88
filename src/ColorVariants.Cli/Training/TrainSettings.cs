using System.ComponentModel;
using ColorVariants.Core.Images;
using ColorVariants.Training.Data;
using ColorVariants.Training.Trainers;
using Spectre.Console;
using Spectre.Console.Cli;

namespace ColorVariants.Cli.Training;

/// <summary>The options every `train` command takes; their defaults are read from <see cref="TrainingOptions"/> (<see cref="TrainingDefaultAttribute"/>).</summary>
public abstract class TrainSettings : CommandSettings
{
    [CommandOption("--catalog <folder>")]
    [Description("Catalog folder: catalog.csv and its images.")]
    public string Catalog { get; init; } = "";

    [CommandOption("-o|--out <dir>")]
    [Description("Output folder: checkpoint, training.json and <name>.onnx. Default runs/<name>, e.g. runs/cvssl-128px-e10-s42. Re-running with the same folder resumes.")]
    public string? Out { get; init; }

    [CommandOption("--size <px>")]
    [Description("Side of the square model input (multiple of 32; cvssl's half-picture parts need a multiple of 64).")]
    [TrainingDefault(nameof(TrainingOptions.InputSize))]
    public int Size { get; init; }

    [CommandOption("--export-size <px>")]
    [Description("Input size of the exported model, when larger than --size (the net is fully convolutional). A finished run re-run with it only re-exports.")]
    public int? ExportSize { get; init; }

    [CommandOption("--epochs <n>")]
    [TrainingDefault(nameof(TrainingOptions.Epochs))]
    public int Epochs { get; init; }

    [CommandOption("--lr <rate>")]
    [Description("AdamW learning rate of the heads; warm-up over 5% of the steps, then cosine decay.")]
    [TrainingDefault(nameof(TrainingOptions.LearningRate))]
    public double LearningRate { get; init; }

    [CommandOption("--backbone-lr-scale <x>")]
    [Description("The trainable backbone stages learn at this fraction of --lr.")]
    [TrainingDefault(nameof(TrainingOptions.BackboneLearningRateScale))]
    public double BackboneLearningRateScale { get; init; }

    [CommandOption("--weight-decay <wd>")]
    [Description("AdamW's decoupled weight decay.")]
    [TrainingDefault(nameof(TrainingOptions.WeightDecay))]
    public double WeightDecay { get; init; }

    [CommandOption("--frozen-stages <n>")]
    [Description("Backbone stages kept as loaded: 0 none, 1 the stem, 2 stem and layer1, ... 5 all (heads only).")]
    [TrainingDefault(nameof(TrainingOptions.FrozenStages))]
    public int FrozenStages { get; init; }

    [CommandOption("--embedding-size <d>")]
    [Description("Output size of a projection head (cvssl's model gives parts x d).")]
    [TrainingDefault(nameof(TrainingOptions.EmbeddingSize))]
    public int EmbeddingSize { get; init; }

    [CommandOption("--head-hidden <n>")]
    [Description("Hidden width of the projection heads; 0 for a single Linear.")]
    [TrainingDefault(nameof(TrainingOptions.HeadHiddenSize))]
    public int HeadHiddenSize { get; init; }

    [CommandOption("--jitter <strength>")]
    [Description("Colour jitter strength (1 = SimCLR's strong jitter; triplet uses half).")]
    [TrainingDefault(nameof(TrainingOptions.JitterStrength))]
    public double JitterStrength { get; init; }

    [CommandOption("--grayscale <p>")]
    [Description("Chance a view is turned gray (triplet and cvssl).")]
    [TrainingDefault(nameof(TrainingOptions.GrayscaleProbability))]
    public double GrayscaleProbability { get; init; }

    [CommandOption("--no-flip")]
    [Description("No random mirroring (triplet and cvssl).")]
    public bool NoFlip { get; init; }

    [CommandOption("--colour <mode>")]
    [Description("Model input: rgb or gray; written into the model, so serving preprocesses the same way.")]
    [TrainingDefault(nameof(TrainingOptions.ColourMode))]
    public ColourMode Colour { get; init; }

    [CommandOption("--split <split>")]
    [Description("train: triplet the train styles, ssl everything but validation styles; validation: only validation styles' images; all.")]
    [TrainingDefault(nameof(TrainingOptions.Split))]
    public TrainingSplit Split { get; init; }

    [CommandOption("--seed <n>")]
    [TrainingDefault(nameof(TrainingOptions.Seed))]
    public int Seed { get; init; }

    [CommandOption("--device <device>")]
    [Description("cpu or cuda (cuda needs a build with -p:TorchBackend=cuda and an NVIDIA GPU).")]
    [TrainingDefault(nameof(TrainingOptions.Device))]
    public TrainingDevice Device { get; init; }

    [CommandOption("--threads <n>")]
    [Description("libtorch CPU threads; 0 = one per core. 1 is often faster on a CPU shared with other work.")]
    [TrainingDefault(nameof(TrainingOptions.Threads))]
    public int Threads { get; init; }

    [CommandOption("--cache <dir>")]
    [Description("Folder of decoded-image caches. Default: 'cache' beside the output folder, shared by runs.")]
    public string? Cache { get; init; }

    [CommandOption("--max-steps-per-epoch <n>")]
    [Description("Cut epochs short (smoke runs).")]
    public int? MaxStepsPerEpoch { get; init; }

    public override ValidationResult Validate() =>
        string.IsNullOrWhiteSpace(Catalog) ? ValidationResult.Error("--catalog <folder> is required.")
        : !Directory.Exists(Catalog) ? ValidationResult.Error($"No folder {Catalog}.")
        : ValidationResult.Success();

    /// <summary>The options of this command line, the output folder defaulted from the model name.</summary>
    /// <param name="labels">Review labels read for triplet's --labels (they name the run).</param>
    public TrainingOptions ToOptions(string method, ReviewLabels? labels = null)
    {
        var options = Customise(new TrainingOptions
        {
            Catalog = Catalog,
            Labels = labels,
            OutputDirectory = Out ?? "",
            Method = method,
            InputSize = Size,
            ExportSize = ExportSize,
            Epochs = Epochs,
            LearningRate = LearningRate,
            BackboneLearningRateScale = BackboneLearningRateScale,
            WeightDecay = WeightDecay,
            FrozenStages = FrozenStages,
            EmbeddingSize = EmbeddingSize,
            HeadHiddenSize = HeadHiddenSize,
            JitterStrength = JitterStrength,
            GrayscaleProbability = GrayscaleProbability,
            Flip = !NoFlip,
            ColourMode = Colour,
            Split = Split,
            Seed = Seed,
            Device = Device,
            Threads = Threads,
            CacheDirectory = Cache,
            MaxStepsPerEpoch = MaxStepsPerEpoch,
        });
        return Out is null ? options with { OutputDirectory = TrainingOptions.DefaultOutputDirectory(options.RunName) } : options;
    }

    /// <summary>The method's own options.</summary>
    protected abstract TrainingOptions Customise(TrainingOptions options);
}
