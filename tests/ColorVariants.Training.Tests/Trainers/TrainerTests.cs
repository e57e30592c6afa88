using ColorVariants.Core.Images;
using ColorVariants.Core.Models;
using ColorVariants.Inference.Embedding;
using System.Text.Json;
using ColorVariants.Training.Data;
using ColorVariants.Training.Models;
using ColorVariants.Training.Trainers;
using SixLabors.ImageSharp.PixelFormats;
using Xunit.Abstractions;

namespace ColorVariants.Training.Tests.Trainers;

[Collection(GeneratedCatalogCollection.Name)]
public class TrainerTests(GeneratedCatalog catalog, ITestOutputHelper output)
{
    private const int EmbeddingSize = 16;

    private sealed class Recorder<T>(Action<T>? onReport = null) : IProgress<T>
    {
        public List<T> Reports { get; } = [];

        public void Report(T value)
        {
            Reports.Add(value);
            onReport?.Invoke(value);
        }
    }

    /// <summary>
    /// Small and fast: 64 px, batches of 8 (4 styles x 2 for triplet), layer3 and layer4 trained, one
    /// libtorch thread (much faster on a shared CPU). cvssl's key encoder follows with momentum 0.9, so it
    /// moves within a run of a dozen steps, and its queue holds one batch, so it is full after the first step
    /// (a filling queue raises the loss by itself: more negatives).
    /// </summary>
    private TrainingOptions Options(string method, string? outputDirectory = null) => new()
    {
        Catalog = catalog.CatalogFolder,
        OutputDirectory = outputDirectory ?? catalog.NewOutputDirectory(),
        Method = method,
        InputSize = GeneratedCatalog.Size,
        Epochs = 3,
        BatchSize = 8,
        StylesPerBatch = 4,
        ImagesPerStyle = 2,
        LearningRate = 1e-3,
        FrozenStages = 3,
        EmbeddingSize = EmbeddingSize,
        HeadHiddenSize = 64,
        Momentum = 0.9,
        QueueSize = 8,
        Split = TrainingSplit.All,
        Seed = 7,
        CacheDirectory = catalog.CacheDirectory,
        Threads = 1,
    };

    private void Log(string label, TrainingResult result) =>
        output.WriteLine($"{label}: losses {string.Join(", ", result.Epochs.Select(e => e.Loss.ToString("F4")))}; " +
            $"{result.Epochs.Average(e => e.ImagesPerSecond):F1} images/s; resumed after {result.ResumedAfterEpoch?.ToString() ?? "-"}");

    /// <summary>A catalog picture as serving preprocesses it: Core's letterbox, then TensorWriter with the model's spec.</summary>
    private float[] Preprocessed(int design, int colour, PreprocessingSpec spec)
    {
        var bytes = File.ReadAllBytes(Path.Combine(catalog.CatalogFolder, "images", $"d{design}-c{colour}.png"));
        using var square = ImageIntake.DecodeSquare(bytes, spec.InputSize, new IntakeLimits());
        var pixels = new Rgb24[spec.InputSize * spec.InputSize];
        square.CopyPixelDataTo(pixels);
        var tensor = new float[spec.TensorLength];
        TensorWriter.Write(pixels, spec, tensor);
        return tensor;
    }

    [Theory]
    [InlineData(TrainingMethod.Triplet, true, EmbeddingSize)]
    [InlineData(TrainingMethod.SimClr, true, EmbeddingSize)]
    [InlineData(TrainingMethod.Cvssl, true, 3 * EmbeddingSize)]
    [InlineData(TrainingMethod.Cvssl, false, 3 * EmbeddingSize)]
    public void Training_lowers_the_loss_and_exports_a_model_core_can_serve(string method, bool momentumEncoder, int dimensions)
    {
        var options = Options(method) with { Epochs = method == TrainingMethod.Triplet ? 4 : 3, MomentumEncoder = momentumEncoder };
        var steps = new Recorder<TrainingProgress>();

        var result = Trainer.Run(options, new TrainingReporter { Step = steps });
        Log(method, result);

        Assert.Equal(options.Epochs, result.Epochs.Count);
        Assert.All(result.Epochs, e => Assert.True(double.IsFinite(e.Loss) && e.Loss > 0, $"epoch {e.Epoch}: loss {e.Loss}"));
        Assert.True(result.Epochs[^1].Loss < result.Epochs[0].Loss,
            $"{method}: the loss went from {result.Epochs[0].Loss} to {result.Epochs[^1].Loss}");
        Assert.Equal(method == TrainingMethod.Triplet, result.Epochs[0].ActiveFraction is not null);

        var perEpoch = method == TrainingMethod.Triplet ? GeneratedCatalog.Designs / 4 : GeneratedCatalog.Images / 8;
        Assert.Equal(options.Epochs * perEpoch, steps.Reports.Count);
        Assert.Equal((options.Epochs, perEpoch, perEpoch), (steps.Reports[^1].Epoch, steps.Reports[^1].Step, steps.Reports[^1].StepsPerEpoch));
        Assert.Equal(TimeSpan.Zero, steps.Reports[^1].Remaining);
        Assert.True(steps.Reports[0].Remaining > TimeSpan.Zero);

        var name = $"{method}-all-64px-e{options.Epochs}-s7";
        Assert.Equal(Path.Combine(Path.GetFullPath(options.OutputDirectory), name + ".onnx"), result.ModelPath);
        Assert.True(File.Exists(Path.Combine(options.OutputDirectory, Trainer.ReportFile)));
        using var model = EmbeddingModel.Load(result.ModelPath, EmbeddingDevice.Cpu);
        var expected = PreprocessingSpec.CntkResNet(GeneratedCatalog.Size, ColourMode.Rgb);
        var spec = model.Preprocessing;
        Assert.Equal((expected.InputSize, expected.ChannelOrder, expected.ColourMode), (spec.InputSize, spec.ChannelOrder, spec.ColourMode));
        Assert.Equal(expected.Mean, spec.Mean);
        Assert.Equal(expected.Std, spec.Std);
        Assert.Equal(dimensions, model.Dimensions);
        Assert.Equal(name, model.Name);
        Assert.Equal(method, model.Metadata[ModelMetadataKeys.Method]);
        Assert.Equal("7", model.Metadata[ModelMetadataKeys.Seed]);

        var input = Preprocessed(0, 0, spec).Concat(Preprocessed(3, 2, spec)).ToArray();
        var vectors = new float[2 * dimensions];
        model.Embed(input, 2, vectors);
        Assert.All(vectors, v => Assert.True(float.IsFinite(v)));
        var cosine = Enumerable.Range(0, dimensions).Sum(i => vectors[i] * vectors[dimensions + i]);
        Assert.True(cosine < 0.999f, $"two different pictures embed alike (cosine {cosine})");
    }

    [Fact]
    public void The_same_seed_gives_the_same_losses()
    {
        // Two epochs of one step: the second loss follows an optimizer step, a momentum update and a queue push.
        var options = Options(TrainingMethod.Cvssl) with { Epochs = 2, MaxStepsPerEpoch = 1 };

        var first = Trainer.Run(options);
        var second = Trainer.Run(options with { OutputDirectory = catalog.NewOutputDirectory() });
        var otherSeed = Trainer.Run(options with { OutputDirectory = catalog.NewOutputDirectory(), Seed = 8 });
        Log("seed 7", first);
        Log("seed 7 again", second);
        Log("seed 8", otherSeed);

        Assert.Equal(first.Epochs.Select(e => e.Loss), second.Epochs.Select(e => e.Loss));
        Assert.NotEqual(first.Epochs.Select(e => e.Loss), otherSeed.Epochs.Select(e => e.Loss));
    }

    [Fact]
    public void An_interrupted_run_resumes_from_its_checkpoint_and_ends_as_a_straight_run()
    {
        var options = Options(TrainingMethod.Cvssl) with { Epochs = 2, MaxStepsPerEpoch = 2 };
        var straight = Trainer.Run(options);

        var interrupted = options with { OutputDirectory = catalog.NewOutputDirectory() };
        using var cancel = new CancellationTokenSource();
        var afterFirstEpoch = new Recorder<EpochResult>(_ => cancel.Cancel());
        Assert.ThrowsAny<OperationCanceledException>(() => Trainer.Run(interrupted, new TrainingReporter { Epoch = afterFirstEpoch }, cancel.Token));
        Assert.Single(afterFirstEpoch.Reports);
        Assert.Empty(Directory.GetFiles(interrupted.OutputDirectory, "*.onnx"));
        Assert.Equal(1, Trainer.Check(interrupted).Resume?.EpochsDone);

        var resumed = Trainer.Run(interrupted);
        Log("straight", straight);
        Log("resumed", resumed);

        Assert.Equal(1, resumed.ResumedAfterEpoch);
        Assert.Equal(straight.Epochs.Select(e => e.Loss), resumed.Epochs.Select(e => e.Loss));
        using var a = EmbeddingModel.Load(straight.ModelPath, EmbeddingDevice.Cpu);
        using var b = EmbeddingModel.Load(resumed.ModelPath, EmbeddingDevice.Cpu);
        var input = Preprocessed(5, 1, a.Preprocessing);
        var (va, vb) = (new float[a.Dimensions], new float[b.Dimensions]);
        a.Embed(input.ToArray(), 1, va);
        b.Embed(input, 1, vb);
        Assert.Equal(va, vb);
    }

    [Fact]
    public void A_finished_run_continues_when_asked_for_more_epochs_and_refuses_other_options()
    {
        var options = Options(TrainingMethod.Triplet) with { Epochs = 1 };
        var first = Trainer.Run(options);

        var longer = Trainer.Run(options with { Epochs = 2 });
        Log("1 epoch", first);
        Log("then 2", longer);

        Assert.Equal(1, longer.ResumedAfterEpoch);
        Assert.Equal(2, longer.Epochs.Count);
        Assert.Equal(first.Epochs[0], longer.Epochs[0]);
        Assert.True(File.Exists(longer.ModelPath));

        var refused = Assert.Throws<TrainingException>(() => Trainer.Run(options with { Epochs = 2, Margin = 0.3 }));
        Assert.Contains("margin: 0.2 -> 0.3", refused.Message);
        Assert.Throws<TrainingException>(() => Trainer.Run(options with { Epochs = 2, Split = TrainingSplit.Train }));
        var fewer = Assert.Throws<TrainingException>(() => Trainer.Check(options));
        Assert.Contains("2 epochs", fewer.Message);
    }

    /// <summary>
    /// design-1 and design-3 are validation styles (EVALUATION.md's split), the other six train. The verdicts:
    /// two rejected pairs across styles (hard negatives), a confirmed pair within a style, one touching
    /// design-1, one rejected pair inside a style (a conflict) and one naming a sku the catalog lacks.
    /// </summary>
    [Fact]
    public async Task Triplet_trains_from_review_labels_and_resumes_only_with_the_same_verdicts()
    {
        const string verdicts = """
            sku_a,sku_b,verdict,reviewer
            d0-c0,d2-c0,rejected,team
            d4-c1,d5-c1,rejected,team
            d5-c0,d5-c3,confirmed,team
            d0-c1,d1-c1,confirmed,team
            d6-c0,d6-c1,rejected,team
            d7-c0,zz-9,confirmed,team
            """;
        var file = Path.Combine(catalog.Root, $"reviews-{Guid.NewGuid():N}.csv");
        File.WriteAllText(file, verdicts);
        var labels = await ReviewLabels.ReadAsync(file, null);
        var options = Options(TrainingMethod.Triplet) with { Split = TrainingSplit.Train, Labels = labels, Epochs = 2 };

        var expected = new LabelSummary(Confirmed: 1, Rejected: 2, Groups: 6, SkippedValidation: 1, SkippedUnknown: 1, Conflicts: 1);
        Assert.Equal(expected, Trainer.Check(options).Labels);
        var steps = new Recorder<TrainingProgress>();
        var result = Trainer.Run(options, new TrainingReporter { Step = steps });
        Log("triplet with labels", result);

        Assert.Equal(6 * GeneratedCatalog.Colours.Count, result.Images); // the validation designs stay out
        Assert.Equal(2 * 2, steps.Reports.Count); // 6 groups, P = 4: two batches an epoch
        Assert.All(result.Epochs, e => Assert.True(double.IsFinite(e.Loss) && e.Loss > 0, $"epoch {e.Epoch}: loss {e.Loss}"));
        Assert.True(result.Epochs.Sum(e => e.Images) > 2 * 2 * 8, "no rejected partner joined a batch");
        Assert.EndsWith("triplet-labels-64px-e2-s7.onnx", result.ModelPath);

        using (var report = JsonDocument.Parse(File.ReadAllText(result.ReportPath)))
        {
            var saved = report.RootElement.GetProperty("options").GetProperty("labels");
            Assert.Equal((file, labels.Fingerprint, 3, 3), (saved.GetProperty("source").GetString(), saved.GetProperty("fingerprint").GetString(),
                saved.GetProperty("confirmed").GetInt32(), saved.GetProperty("rejected").GetInt32()));
            Assert.False(saved.TryGetProperty("pairs", out _));
            Assert.Equal(expected, report.RootElement.GetProperty("labels").Deserialize<LabelSummary>(new JsonSerializerOptions(JsonSerializerDefaults.Web)));
        }

        // The same verdicts from elsewhere, written otherwise, resume; another verdict is another run.
        const string sameVerdicts = """
            verdict,sku_a,sku_b
            confirmed,zz-9,d7-c0
            rejected,d6-c1,d6-c0
            confirmed,d1-c1,d0-c1
            confirmed,d5-c3,d5-c0
            rejected,d5-c1,d4-c1
            rejected,d2-c0,d0-c0
            """;
        var same = ReviewLabels.Parse(new StringReader(sameVerdicts), "http://cv/reviews/export");
        Assert.Equal(2, Trainer.Check(options with { Labels = same }).Resume?.EpochsDone);
        var changed = ReviewLabels.Parse(new StringReader(verdicts.Replace("d4-c1,d5-c1,rejected", "d4-c1,d5-c1,confirmed", StringComparison.Ordinal)), "x");
        var refused = Assert.Throws<TrainingException>(() => Trainer.Check(options with { Labels = changed }));
        Assert.Contains("labels: ", refused.Message);
    }

    [Fact]
    public void Options_that_cannot_train_are_refused_before_the_output_folder_is_made()
    {
        var cvssl = Options(TrainingMethod.Cvssl);
        // 96 pixels suit the whole picture but not its 48-pixel halves.
        var halves = Assert.Throws<TrainingException>(() => Trainer.Run(cvssl with { InputSize = 96 }));
        Assert.Contains("48x96", halves.Message);
        Assert.Throws<TrainingException>(() => Trainer.Run(cvssl with { Method = "arcface" }));
        Assert.Throws<TrainingException>(() => Trainer.Run(cvssl with { Parts = "top=0:0.5,top=0.5:1" }));
        Assert.Throws<TrainingException>(() => Trainer.Run(cvssl with { BatchSize = GeneratedCatalog.Images + 8 }));
        var queue = Assert.Throws<TrainingException>(() => Trainer.Run(cvssl with { QueueSize = GeneratedCatalog.Images }));
        Assert.Contains("--queue-size 8", queue.Message);
        Assert.Throws<TrainingException>(() => Trainer.Run(Options(TrainingMethod.Triplet) with { StylesPerBatch = GeneratedCatalog.Designs + 1 }));
        var labels = ReviewLabels.Parse(new StringReader("sku_a,sku_b,verdict\nd0-c0,d0-c1,confirmed\n"), "reviews.csv");
        var all = Assert.Throws<TrainingException>(() => Trainer.Run(Options(TrainingMethod.Triplet) with { Labels = labels })); // Split = All
        Assert.Contains("train split only", all.Message);
        Assert.Throws<TrainingException>(() => Trainer.Run(cvssl with { Labels = labels, Split = TrainingSplit.Train }));
        var only = Assert.Throws<TrainingException>(() => Trainer.Run(Options(TrainingMethod.Triplet) with { LabelsOnly = true, Split = TrainingSplit.Train }));
        Assert.Equal("--labels-only needs --labels.", only.Message);
        if (!TorchSharp.torch.cuda.is_available())
        {
            var cuda = Assert.Throws<TrainingException>(() => Trainer.Run(cvssl with { Device = TrainingDevice.Cuda }));
            Assert.Contains("CUDA", cuda.Message);
        }
        Assert.False(Directory.Exists(cvssl.OutputDirectory));
    }
}
