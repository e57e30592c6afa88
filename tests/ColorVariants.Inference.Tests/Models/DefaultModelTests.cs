using ColorVariants.Core.Embedding;
using ColorVariants.Core.Images;
using ColorVariants.Core.Models;
using ColorVariants.Core.Parts;
using ColorVariants.Inference.Embedding;
using ColorVariants.Inference.Models;
using ColorVariants.Inference.Onnx;
using ColorVariants.Inference.Onnx.Proto;
using Microsoft.ML.OnnxRuntime;

namespace ColorVariants.Inference.Tests.Models;

/// <summary>
/// The descriptor head written into the default model's graph against the same steps done by
/// hand, in C#, on the backbone's own feature maps.
/// </summary>
public class DefaultModelTests
{
    private const int Size = 128;

    /// <summary>A deterministic picture with structure in both halves, as a preprocessed tensor.</summary>
    private static float[] Picture()
    {
        var spec = PreprocessingSpec.CntkResNet(Size);
        var tensor = new float[spec.TensorLength];
        for (var c = 0; c < 3; c++)
            for (var y = 0; y < Size; y++)
                for (var x = 0; x < Size; x++)
                    tensor[(c * Size + y) * Size + x] = 60f * MathF.Sin(x * 0.21f + y * 0.05f * (c + 1)) + (x < Size / 3 && y > Size / 2 ? 80f : -20f);
        return tensor;
    }

    private static float[] Mirror(float[] tensor)
    {
        var result = new float[tensor.Length];
        for (var row = 0; row < tensor.Length / Size; row++)
            for (var x = 0; x < Size; x++) result[row * Size + x] = tensor[row * Size + Size - 1 - x];
        return result;
    }

    /// <summary>The backbone's third- and fourth-stage feature maps, from the source model.</summary>
    private static (float[] Layer3, float[] Layer4) FeatureMaps(float[] tensor)
    {
        var model = OnnxModelFile.Load(DefaultModel.SourcePath);
        var graph = model.Graph;
        graph.Node.Remove(graph.Node.Single(n => n.OpType == "AveragePool"));
        var input = graph.Input.Single(i => graph.Initializer.All(t => t.Name != i.Name));
        input.Type = OnnxGraph.TensorType([1, 3, Size, Size]);
        graph.Output.Clear();
        graph.Output.Add(new ValueInfoProto { Name = DefaultModel.Layer3Output, Type = OnnxGraph.TensorType([1, 256, Size / 16, Size / 16]) });
        graph.Output.Add(new ValueInfoProto { Name = DefaultModel.Layer4Output, Type = OnnxGraph.TensorType([1, 512, Size / 32, Size / 32]) });
        graph.ValueInfo.Clear();
        using var session = new InferenceSession(Google.Protobuf.MessageExtensions.ToByteArray(model));
        using var value = OrtValue.CreateTensorValueFromMemory(tensor, [1, 3, Size, Size]);
        using var results = session.Run(new RunOptions(), [input.Name], [value], [DefaultModel.Layer3Output, DefaultModel.Layer4Output]);
        return (results[0].GetTensorDataAsSpan<float>().ToArray(), results[1].GetTensorDataAsSpan<float>().ToArray());
    }

    private static float[] GemOfPart(float[] map, int channels, int side, PartCrop part, float p)
    {
        var (y0, y1, x0, x1) = part.ToPixels(side);
        var pooled = new float[channels];
        for (var c = 0; c < channels; c++)
        {
            double sum = 0;
            for (var y = y0; y < y1; y++)
                for (var x = x0; x < x1; x++) sum += Math.Pow(Math.Max(map[(c * side + y) * side + x], 1e-6), p);
            pooled[c] = (float)Math.Pow(sum / ((y1 - y0) * (x1 - x0)), 1.0 / p);
        }
        VectorMath.Normalize(pooled);
        return pooled;
    }

    private static float[] ByHand(float[] tensor, DescriptorOptions descriptor)
    {
        float[] Once(float[] t)
        {
            var (layer3, layer4) = FeatureMaps(t);
            var stages = descriptor.WithLayer3 ? new[] { (layer3, 256, Size / 16), (layer4, 512, Size / 32) } : [(layer4, 512, Size / 32)];
            return stages.SelectMany(s => descriptor.Parts.SelectMany(part => GemOfPart(s.Item1, s.Item2, s.Item3, part, descriptor.GemPower))).ToArray();
        }
        var result = Once(tensor);
        if (descriptor.FlipAverage)
        {
            var mirrored = Once(Mirror(tensor));
            for (var i = 0; i < result.Length; i++) result[i] += mirrored[i];
        }
        VectorMath.Normalize(result);
        if (descriptor.Structure is { } structure)
        {
            // The network's block of length 1, the structure's of length sqrt(w / (1 - w)), then the whole normalised.
            var scale = MathF.Sqrt(structure.Weight / (1 - structure.Weight));
            result = [.. result, .. StructureDescriptorTests.ByHand(tensor, Size, structure).Select(v => v * scale)];
            VectorMath.Normalize(result);
        }
        return result;
    }

    private static float[] FromPreparedModel(DescriptorOptions descriptor, out EmbeddingModel loaded)
    {
        var path = Path.Combine(Path.GetTempPath(), $"cv-default-{Guid.NewGuid():N}.onnx");
        try
        {
            DefaultModel.EnsurePrepared(path, ColourMode.Gray, Size, descriptor);
            loaded = EmbeddingModel.Load(path, EmbeddingDevice.Cpu);
            var output = new float[loaded.Dimensions];
            loaded.Embed(Picture(), 1, output);
            return output;
        }
        finally
        {
            File.Delete(path);
        }
    }

    public static TheoryData<string> Descriptors => ["default", "plain", "layer4-gem-parts", "with-mirror", "network-only"];

    private static DescriptorOptions Mirrored => DescriptorOptions.Default with { FlipAverage = true, Structure = null };

    private static DescriptorOptions Named(string name) => name switch
    {
        "default" => DescriptorOptions.Default,
        "plain" => DescriptorOptions.Plain,
        "with-mirror" => Mirrored,
        "network-only" => DescriptorOptions.Default with { Structure = null },
        _ => new DescriptorOptions(3, false, PartCrop.Default, false, "-test"),
    };

    [Theory]
    [MemberData(nameof(Descriptors))]
    public void The_graph_computes_what_the_descriptor_says(string name)
    {
        var descriptor = Named(name);
        var expected = ByHand(Picture(), descriptor);
        var actual = FromPreparedModel(descriptor, out var model);
        using (model)
        {
            Assert.Equal(descriptor.Dimensions, model.Dimensions);
            Assert.Equal(expected.Length, actual.Length);
        }
        // Unit vectors: every coordinate to 1e-4, rounded on both sides.
        Assert.Equal(expected.Select(v => Math.Round(v, 4)), actual.Select(v => Math.Round(v, 4)));
    }

    [Fact]
    public void With_the_mirror_a_mirrored_picture_gives_the_same_descriptor()
    {
        var descriptor = Mirrored;
        Assert.Equal(ByHand(Picture(), descriptor).Select(v => Math.Round(v, 4)), ByHand(Mirror(Picture()), descriptor).Select(v => Math.Round(v, 4)));
    }

    [Fact]
    public void The_file_says_what_it_computes()
    {
        _ = FromPreparedModel(DescriptorOptions.Default, out var model);
        using (model)
        {
            Assert.Equal(DefaultModel.Name, model.Name);
            Assert.Equal((256 + 512) * 3 + 10 * 10 * 9, model.Dimensions);
            Assert.Equal("gem=3 layers=3+4 parts=whole=0:1,top=0:0.5,bottom=0.5:1 flip=no structure=hog:10x9:0.4", model.Metadata[ModelMetadataKeys.Descriptor]);
            Assert.Equal("layer3=768:0.3,layer4=1536:0.3,structure=900:0.4", model.Metadata[ModelMetadataKeys.Blocks]);
            Assert.Equal(Size, model.Preprocessing.InputSize);
            Assert.Equal(ColourMode.Gray, model.Preprocessing.ColourMode);
        }
    }

    [Fact]
    public void An_input_size_that_is_no_multiple_of_32_is_refused()
    {
        var model = OnnxModelFile.Load(DefaultModel.SourcePath);
        Assert.Throws<ArgumentException>(() => DefaultModel.Prepare(model, ColourMode.Gray, 200, DescriptorOptions.Default));
    }
}

public class DescriptorOptionsTests
{
    [Fact]
    public void The_written_form_reads_back()
    {
        var parsed = DescriptorOptions.Parse(DescriptorOptions.Default.ToString());
        Assert.Equal(DescriptorOptions.Default.ToString(), parsed.ToString());
        Assert.Equal(DescriptorOptions.Plain.ToString(), DescriptorOptions.Parse("gem=1 layers=4 parts=whole=0:1 flip=no").ToString());
    }

    [Fact]
    public void Keys_left_out_keep_the_default()
    {
        var parsed = DescriptorOptions.Parse("gem=4 flip=no");
        Assert.Equal((4f, true, false, 3), (parsed.GemPower, parsed.WithLayer3, parsed.FlipAverage, parsed.Parts.Count));
        Assert.True(DescriptorOptions.Parse("flip=yes").FlipAverage);
    }

    [Theory]
    [InlineData("gem=0.5")]
    [InlineData("layers=2")]
    [InlineData("flip=maybe")]
    [InlineData("size=320")]
    [InlineData("gem")]
    public void Bad_text_is_refused(string text) => Assert.Throws<FormatException>(() => DescriptorOptions.Parse(text));
}
