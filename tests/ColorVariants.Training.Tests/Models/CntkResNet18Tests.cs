using ColorVariants.Core.Images;
using ColorVariants.Inference.Models;
using ColorVariants.Inference.Onnx;
using ColorVariants.Training.Models;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace ColorVariants.Training.Tests.Models;

public class CntkResNet18Tests(ITestOutputHelper output)
{
    [Fact]
    public void From_onnx_matches_onnx_runtime_on_the_original_cntk_model()
    {
        var spec = PreprocessingSpec.CntkResNet(224, ColourMode.Rgb);
        var picture = TestInputs.Picture(spec);

        float[] expected;
        using (var session = new InferenceSession(DefaultModel.SourcePath))
        {
            var inputName = session.InputMetadata.Keys.Single();
            using var results = session.Run([NamedOnnxValue.CreateFromTensor(inputName, new DenseTensor<float>(picture, [1, 3, 224, 224]))]);
            expected = results.Single().AsEnumerable<float>().ToArray();
        }

        using var network = CntkResNet18.FromOnnx(DefaultModel.SourcePath);
        network.eval();
        using var _ = no_grad();
        using var input = tensor(picture, [1, 3, 224, 224]);
        using var features = network.call(input);

        Assert.Equal([1, CntkResNet18.FeatureSize], features.shape);
        var actual = TestInputs.Values(features);
        var difference = TestInputs.MaxAbsDifference(expected, actual);
        output.WriteLine($"CntkResNet18 (TorchSharp) vs ONNX Runtime on the CNTK file, 224 px: max |diff| = {difference:E2}, max |feature| = {expected.Max(Math.Abs):F3}");
        Assert.True(expected.Max(Math.Abs) > 0.1f, "The features are all near zero: the comparison would prove nothing.");
        Assert.True(difference <= 1e-4f, $"max |diff| {difference} > 1e-4");
    }

    [Fact]
    public void The_graph_walk_finds_cntk_layout_with_shortcuts_opening_layers_2_to_4()
    {
        var graph = CntkResNetGraph.Read(OnnxModelFile.Load(DefaultModel.SourcePath));

        Assert.Equal([2, 2, 2, 3], graph.BlocksPerLayer());
        Assert.Equal([2, 4, 6], graph.Blocks.Select((b, i) => (b, i)).Where(p => p.b.Shortcut is not null).Select(p => p.i));
        Assert.Equal("AveragePool", graph.Pool.OpType);
    }

    [Fact]
    public void A_graph_whose_pads_differ_from_the_module_is_rejected()
    {
        var model = OnnxModelFile.Load(DefaultModel.SourcePath);
        var stemConv = model.Graph.Node.First(n => n.OpType == "Conv");
        var pads = stemConv.Attribute.Single(a => a.Name == "pads");
        pads.Ints.Clear();
        pads.Ints.Add([3, 3, 3, 3]);
        using var network = new CntkResNet18();

        Assert.Throws<InvalidDataException>(() => CntkResNetGraph.Read(model).CopyInto(network));
    }

    [Theory]
    [InlineData(224, true)]
    [InlineData(64, true)]
    [InlineData(96, true)]
    [InlineData(192, true)]
    [InlineData(112, false)] // half of 224: layer4 would get 7 rows, main path 3 and shortcut 4
    [InlineData(48, false)]
    public void Input_sizes_are_accepted_only_where_the_residual_adds_line_up(int size, bool accepted)
    {
        Assert.Equal(accepted, CntkResNet18.AcceptsInputSize(size, size));
        using var network = new CntkResNet18();
        network.eval();
        using var _ = no_grad();
        using var input = zeros(1, 3, size, size);
        if (accepted)
            network.call(input).Dispose();
        else
            Assert.Throws<ArgumentException>(() => network.call(input));
    }

    /// <summary>
    /// Issue 21's cache feeds the later stages with the earlier stages' maps: running the stages in
    /// two pieces gives what running them at once gives (the same operations on the same values, so
    /// bit for bit), and each map has the shape <see cref="CntkResNet18.StageOutput"/> says.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(4)]
    public void Stages_run_in_two_pieces_as_at_once_and_each_map_has_its_announced_shape(int split)
    {
        using var network = new CntkResNet18(seed: 3);
        network.eval();
        using var _ = no_grad();
        using var generator = new Generator(5, CPU);
        using var input = randn([2, 3, 96, 96], generator: generator);
        using var whole = network.ForwardStages(input, 0, CntkResNet18.StageCount);
        using var first = network.ForwardStages(input, 0, split);
        using var rest = network.ForwardStages(first, split, CntkResNet18.StageCount);
        var (channels, height, width) = CntkResNet18.StageOutput(split - 1, 96);
        Assert.Equal([2L, channels, height, width], first.shape);
        Assert.Equal([2L, 512, 3, 3], whole.shape);
        Assert.Equal(TestInputs.Values(whole), TestInputs.Values(rest));
    }
}
