using System.ComponentModel;
using ColorVariants.Core.Images;
using ColorVariants.Training.Trainers;
using Spectre.Console;
using Spectre.Console.Cli;

namespace ColorVariants.Cli.Training;

/// <summary>The options every `train` command takes; defaults are <see cref="TrainingOptions"/>'s.</summary>
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
    [DefaultValue(128)]
    public int Size { get; init; } = 128;

    [CommandOption("--export-size <px>")]
    [Description("Input size of the exported model, when larger than --size (the net is fully convolutional). A finished run re-run with it only re-exports.")]
    public int? ExportSize { get; init; }

    [CommandOption("--epochs <n>")]
    [DefaultValue(10)]
    public int Epochs { get; init; } = 10;

    [CommandOption("--lr <rate>")]
    [Description("AdamW learning rate of the heads; warm-up over 5% of the steps, then cosine decay.")]
    [DefaultValue(3e-4)]
    public double LearningRate { get; init; } = 3e-4;

    [CommandOption("--backbone-lr-scale <x>")]
    [Description("The trainable backbone stages learn at this fraction of --lr.")]
    [DefaultValue(0.1)]
    public double BackboneLearningRateScale { get; init; } = 0.1;

    [CommandOption("--weight-decay <wd>")]
    [Description("AdamW's decoupled weight decay.")]
    [DefaultValue(0.01)]
    public double WeightDecay { get; init; } = 0.01;

    [CommandOption("--frozen-stages <n>")]
    [Description("Backbone stages kept as loaded: 0 none, 1 the stem, 2 stem and layer1, ... 5 all (heads only).")]
    [DefaultValue(2)]
    public int FrozenStages { get; init; } = 2;

    [CommandOption("--embedding-size <d>")]
    [Description("Output size of a projection head (cvssl's model gives parts x d).")]
    [DefaultValue(128)]
    public int EmbeddingSize { get; init; } = 128;

    [CommandOption("--head-hidden <n>")]
    [Description("Hidden width of the projection heads; 0 for a single Linear.")]
    [DefaultValue(512)]
    public int HeadHiddenSize { get; init; } = 512;

    [CommandOption("--jitter <strength>")]
    [Description("Colour jitter strength (1 = SimCLR's strong jitter; triplet uses half).")]
    [DefaultValue(1.0)]
    public double JitterStrength { get; init; } = 1.0;

    [CommandOption("--grayscale <p>")]
    [Description("Chance a view is turned gray (triplet and cvssl).")]
    [DefaultValue(0.2)]
    public double GrayscaleProbability { get; init; } = 0.2;

    [CommandOption("--no-flip")]
    [Description("No random mirroring (triplet and cvssl).")]
    public bool NoFlip { get; init; }

    [CommandOption("--colour <mode>")]
    [Description("Model input: rgb or gray; written into the model, so serving preprocesses the same way.")]
    [DefaultValue(ColourMode.Rgb)]
    public ColourMode Colour { get; init; } = ColourMode.Rgb;

    [CommandOption("--split <split>")]
    [Description("train: triplet the train styles, ssl everything but validation styles; validation: only validation styles' images; all.")]
    [DefaultValue(TrainingSplit.Train)]
    public TrainingSplit Split { get; init; } = TrainingSplit.Train;

    [CommandOption("--seed <n>")]
    [DefaultValue(42)]
    public int Seed { get; init; } = 42;

    [CommandOption("--device <device>")]
    [Description("cpu or cuda (cuda needs a build with -p:TorchBackend=cuda and an NVIDIA GPU).")]
    [DefaultValue(TrainingDevice.Cpu)]
    public TrainingDevice Device { get; init; } = TrainingDevice.Cpu;

    [CommandOption("--threads <n>")]
    [Description("libtorch CPU threads; 0 = one per core. 1 is often faster on a CPU shared with other work.")]
    [DefaultValue(0)]
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
    public TrainingOptions ToOptions(string method)
    {
        var options = Customise(new TrainingOptions
        {
            Catalog = Catalog,
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
