using ColorVariants.Core.Images;
using ColorVariants.Core.Models;
using ColorVariants.Core.Parts;
using ColorVariants.Inference.Embedding;
using ColorVariants.Inference.Models;
using ColorVariants.Inference.Onnx;
using ColorVariants.Training.Export;
using ColorVariants.Training.Models;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace ColorVariants.Training.Tests.Export;

public class OnnxExporterTests(ITestOutputHelper output) : IDisposable
{
    private const int Size = 64;
    private const int Batch = 3;
    private const float Tolerance = 1e-4f;
    private readonly string _directory = Directory.CreateTempSubdirectory("cv-export-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>
    /// The ImageNet backbone with its BatchNorm statistics moved off the loaded values by a few
    /// training-mode passes, so that folding with the running statistics is really exercised.
    /// </summary>
    private static CntkResNet18 TrainedBackbone(out float statisticsShift)
    {
        var backbone = CntkResNet18.FromOnnx(DefaultModel.SourcePath);
        using var before = backbone.Layers[3][2].Second.Norm.running_var!.clone();
        backbone.train();
        for (var step = 0; step < 3; step++)
        {
            using var batch = TestInputs.Random(100 + step, 4, 3, Size, Size);
            using var _ = no_grad();
            backbone.call(batch).Dispose();
        }
        backbone.eval();
        using var shift = (backbone.Layers[3][2].Second.Norm.running_var! - before).abs().max();
        statisticsShift = shift.item<float>();
        return backbone;
    }

    private static ExportMetadata Metadata(string method, ColourMode colourMode = ColourMode.Rgb) =>
        new("test-" + method, method, PreprocessingSpec.CntkResNet(Size, colourMode), "catalog-1234", 42)
        {
            CreatedAt = new DateTimeOffset(2025, 3, 4, 5, 6, 7, TimeSpan.FromHours(2)),
        };

    /// <summary>Runs <paramref name="network"/> in eval mode and the exported file through Core's EmbeddingModel on one input.</summary>
    private float Compare(string label, string path, Func<Tensor, Tensor> network, int dimensions)
    {
        using var input = TestInputs.Random(7, Batch, 3, Size, Size);
        float[] expected;
        using (no_grad())
        using (var result = network(input))
        {
            Assert.Equal([Batch, dimensions], result.shape);
            expected = TestInputs.Values(result);
        }

        using var model = EmbeddingModel.Load(path, EmbeddingDevice.Cpu);
        Assert.Equal(dimensions, model.Dimensions);
        var actual = new float[Batch * dimensions];
        model.Embed(TestInputs.Values(input), Batch, actual);

        var difference = TestInputs.MaxAbsDifference(expected, actual);
        output.WriteLine($"{label}: exported ONNX (ONNX Runtime) vs TorchSharp, {Size} px, batch {Batch}: max |diff| = {difference:E2} (max |component| {expected.Max(Math.Abs):F3})");
        Assert.True(difference <= Tolerance, $"{label}: max |diff| {difference} > {Tolerance}");
        // Distinct inputs must give distinct vectors, or the parity would be trivial.
        Assert.True(TestInputs.MaxAbsDifference(expected.AsSpan(0, dimensions), expected.AsSpan(dimensions, dimensions)) > 1e-3f);
        return difference;
    }

    [Fact]
    public void Exported_backbone_matches_torchsharp()
    {
        using var backbone = TrainedBackbone(out var shift);
        output.WriteLine($"BatchNorm running variance moved by up to {shift:F3} in layer4");
        Assert.True(shift > 1e-2f, "The BatchNorm statistics did not move.");
        var path = Path.Combine(_directory, "backbone.onnx");

        OnnxExporter.Export(backbone, Metadata(TrainingMethod.ImageNet), path);

        Compare("backbone", path, x => nn.functional.normalize(backbone.call(x)), CntkResNet18.FeatureSize);
        // Folding the loaded statistics instead of the moved ones would be caught.
        using var loaded = CntkResNet18.FromOnnx(DefaultModel.SourcePath);
        loaded.eval();
        using var input = TestInputs.Random(7, Batch, 3, Size, Size);
        using var _ = no_grad();
        using var moved = (nn.functional.normalize(backbone.call(input)) - nn.functional.normalize(loaded.call(input))).abs().max();
        output.WriteLine($"backbone: the moved BatchNorm statistics change the output by {moved.item<float>():E2}");
        Assert.True(moved.item<float>() > 100 * Tolerance, "The moved statistics hardly change the output.");
    }

    [Fact]
    public void Exported_embedding_net_matches_torchsharp()
    {
        using var net = new EmbeddingNet(TrainedBackbone(out _), new ProjectionHead(seed: 11, outputSize: 64));
        net.eval();
        var path = Path.Combine(_directory, "embedding.onnx");

        OnnxExporter.Export(net, Metadata(TrainingMethod.SimClr), path);

        Compare("EmbeddingNet", path, x => net.call(x), 64);
    }

    [Fact]
    public void Exported_part_net_matches_torchsharp()
    {
        using var net = new PartEmbeddingNet(TrainedBackbone(out _), PartCrop.Default, Size, seed: 12, hiddenSize: 0, embeddingSize: 32);
        net.eval();
        var path = Path.Combine(_directory, "parts.onnx");

        OnnxExporter.Export(net, Metadata(TrainingMethod.Cvssl), path);

        Compare("PartEmbeddingNet", path, net.Embed, 3 * 32);
        var graph = OnnxModelFile.Load(path).Graph;
        Assert.Equal(2, graph.Node.Count(n => n.OpType == "Slice")); // top and bottom; the whole picture needs none
        // 22 convolutions: the stem, 2 per block in 9 blocks, 3 shortcuts; one backbone per part...
        Assert.Equal(3 * 22, graph.Node.Count(n => n.OpType == "Conv"));
        // ...sharing one set of weights: 22 folded convs, 3 single-Linear heads, 2 crops of 3 bounds, 1 epsilon.
        Assert.Equal(22 * 2 + 3 * 2 + 2 * 3 + 1, graph.Initializer.Count);
    }

    /// <summary>
    /// A part net trained on 64-pixel pictures, exported for 128: the same fractional parts are cut at
    /// the larger size, and the file equals TorchSharp running the same parts, backbone and heads at 128.
    /// </summary>
    [Fact]
    public void A_part_net_exports_at_a_larger_input_size()
    {
        const int exportSize = 2 * Size;
        using var net = new PartEmbeddingNet(TrainedBackbone(out _), PartCrop.Default, Size, seed: 13, hiddenSize: 0, embeddingSize: 16);
        net.eval();
        var path = Path.Combine(_directory, "parts-at-128.onnx");
        var metadata = Metadata(TrainingMethod.Cvssl) with { Preprocessing = PreprocessingSpec.CntkResNet(exportSize, ColourMode.Rgb) };

        OnnxExporter.Export(net, metadata, path);

        using var input = TestInputs.Random(8, 2, 3, exportSize, exportSize);
        float[] expected;
        using (no_grad())
        {
            var parts = new List<Tensor>();
            for (var i = 0; i < net.Parts.Count; i++)
            {
                var (y0, y1, x0, x1) = net.Parts[i].ToPixels(exportSize);
                using var crop = input[.., .., y0..y1, x0..x1];
                using var features = net.Backbone.call(crop);
                using var projected = net.Heads[i].call(features);
                parts.Add(nn.functional.normalize(projected));
            }
            using var joined = cat(parts, 1);
            using var embedding = nn.functional.normalize(joined);
            expected = TestInputs.Values(embedding);
            parts.ForEach(p => p.Dispose());
        }
        using var model = EmbeddingModel.Load(path, EmbeddingDevice.Cpu);
        Assert.Equal(exportSize, model.Preprocessing.InputSize);
        var actual = new float[2 * 3 * 16];
        model.Embed(TestInputs.Values(input), 2, actual);
        var difference = TestInputs.MaxAbsDifference(expected, actual);
        output.WriteLine($"PartEmbeddingNet trained at {Size} px, exported at {exportSize} px: max |diff| = {difference:E2}");
        Assert.True(difference <= Tolerance, $"max |diff| {difference} > {Tolerance}");
    }

    [Fact]
    public void Metadata_and_format_round_trip_through_core()
    {
        using var net = new EmbeddingNet(new CntkResNet18(seed: 1), new ProjectionHead(seed: 2, hiddenSize: 0, outputSize: 16));
        var metadata = Metadata(TrainingMethod.Triplet, ColourMode.Gray) with { Source = "unit test" };
        var path = Path.Combine(_directory, "metadata.onnx");

        OnnxExporter.Export(net, metadata, path);

        using var model = EmbeddingModel.Load(path, EmbeddingDevice.Cpu);
        var spec = model.Preprocessing;
        Assert.Equal((Size, ChannelOrder.Bgr, ColourMode.Gray), (spec.InputSize, spec.ChannelOrder, spec.ColourMode));
        Assert.Equal(metadata.Preprocessing.Mean, spec.Mean);
        Assert.Equal(metadata.Preprocessing.Std, spec.Std);
        Assert.Equal("test-triplet", model.Name);
        Assert.Equal(16, model.Dimensions);
        Assert.Equal("triplet", model.Metadata[ModelMetadataKeys.Method]);
        Assert.Equal("whole=0:1", model.Metadata[ModelMetadataKeys.Parts]);
        Assert.Equal("catalog-1234", model.Metadata[ModelMetadataKeys.CatalogFingerprint]);
        Assert.Equal("42", model.Metadata[ModelMetadataKeys.Seed]);
        Assert.Equal("2025-03-04T03:06:07Z", model.Metadata[ModelMetadataKeys.CreatedAt]);
        Assert.Equal("unit test", model.Metadata[ModelMetadataKeys.Source]);

        var file = OnnxModelFile.Load(path);
        Assert.Equal(8, file.IrVersion);
        Assert.Equal("ColorVariants", file.ProducerName);
        var opset = Assert.Single(file.OpsetImport);
        Assert.Equal(("", 17L), (opset.Domain, opset.Version));
        var input = Assert.Single(file.Graph.Input);
        Assert.Equal("image", input.Name);
        Assert.Equal(["batch", "3", "64", "64"], input.Type.TensorType.Shape.Dim.Select(d => d.HasDimParam ? d.DimParam : d.DimValue.ToString()));
        var result = Assert.Single(file.Graph.Output);
        Assert.Equal("embedding", result.Name);
        Assert.Equal(["batch", "16"], result.Type.TensorType.Shape.Dim.Select(d => d.HasDimParam ? d.DimParam : d.DimValue.ToString()));
    }

    [Fact]
    public void Export_refuses_unknown_methods_and_a_size_whose_parts_the_backbone_cannot_take()
    {
        using var net = new PartEmbeddingNet(new CntkResNet18(), PartCrop.Default, 128, seed: 0);

        Assert.Throws<ArgumentException>(() => OnnxExporter.Build(net, Metadata("arcface")));
        // 96-pixel input: 48-pixel halves, which CNTK's stride-2 blocks cannot take.
        Assert.Throws<ArgumentException>(() => OnnxExporter.Build(net, Metadata(TrainingMethod.Cvssl) with { Preprocessing = PreprocessingSpec.CntkResNet(96, ColourMode.Rgb) }));
        Assert.Throws<ArgumentException>(() => OnnxExporter.Build(net, Metadata(TrainingMethod.Cvssl) with { CatalogFingerprint = " " }));
    }
}
