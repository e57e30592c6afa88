using System.Globalization;
using ColorVariants.Core.Embedding;
using ColorVariants.Core.Images;
using ColorVariants.Core.Models;
using ColorVariants.Core.Parts;
using ColorVariants.Inference.Onnx;
using ColorVariants.Inference.Onnx.Proto;
using static ColorVariants.Inference.Onnx.OnnxGraphBuilder;

namespace ColorVariants.Inference.Models;

/// <summary>
/// How the default model turns the pretrained network's feature maps into one descriptor, without
/// any training. Every step is written into the ONNX graph, so the file alone says what the
/// service computes.
/// </summary>
/// <param name="GemPower">Generalised-mean pooling exponent (Radenović et al., 2018): 1 is average
/// pooling; 3 leans towards the strongest activations (seams, collars, prints) instead of the
/// garment's overall tone.</param>
/// <param name="WithLayer3">Also pool the third stage (256 channels, twice the resolution): finer shape and texture.</param>
/// <param name="Parts">Fixed parts of the picture (the paper's whole, top and bottom), pooled from the same feature maps.</param>
/// <param name="FlipAverage">Sum the descriptors of the picture and its mirror image: a garment photographed the other way round stays the same design.</param>
/// <param name="NameSuffix">Appended to the model's name, so that each descriptor has a name of its own.</param>
/// <param name="Structure">The structure descriptor beside the network's (<see cref="StructureDescriptor"/>), or none.</param>
public sealed record DescriptorOptions(float GemPower, bool WithLayer3, IReadOnlyList<PartCrop> Parts, bool FlipAverage, string NameSuffix,
    StructureOptions? Structure = null)
{
    /// <summary>
    /// What the service serves by default (docs/RESULTS.md, "The served default" and "The structure
    /// descriptor"). Without the mirror: at 320 px it bought +0.002 same-category mAP@R for twice the
    /// inference. With the structure descriptor at 0.4 of the cosine: +0.045 on the validation styles.
    /// </summary>
    public static DescriptorOptions Default { get; } = new(3, true, PartCrop.Default, false, "-gem-parts-hog", StructureOptions.Default);

    /// <summary>The ImageNet network as it comes: average pooling of the last stage, nothing else.</summary>
    public static DescriptorOptions Plain { get; } = new(1, false, [PartCrop.Whole], false, "");

    /// <summary>The network's part of the output.</summary>
    public int NetworkDimensions => Parts.Count * (WithLayer3 ? 256 + 512 : 512);

    public int Dimensions => NetworkDimensions + (Structure?.Dimensions ?? 0);

    /// <summary>
    /// The output's blocks, as the whitening fuses them: each network stage by itself (its parts
    /// side by side), then the structure descriptor. Each stage's parts are unit vectors, so in the
    /// raw output each stage already weighs half the network's share. Whitened apart, a catalog
    /// smaller than the network's 2,304 dimensions keeps a full-rank whitening of each stage (one
    /// whitening of both had rank 1,725 on 1,726 products), and the fit's eigendecompositions cost
    /// a third of one over both (docs/RESULTS.md, "Each stage whitened by itself").
    /// </summary>
    public IReadOnlyList<DescriptorBlock> Blocks
    {
        get
        {
            var network = 1 - (Structure?.Weight ?? 0);
            List<DescriptorBlock> blocks = WithLayer3
                ? [new("layer3", Parts.Count * 256, network / 2), new("layer4", Parts.Count * 512, network / 2)]
                : [new("cnn", NetworkDimensions, network)];
            if (Structure is { } structure) blocks.Add(new("structure", structure.Dimensions, structure.Weight));
            return blocks.Count == 1 ? DescriptorBlocks.Single(NetworkDimensions) : blocks;
        }
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"gem={GemPower} layers={(WithLayer3 ? "3+4" : "4")} parts={PartCrop.Format(Parts)} flip={(FlipAverage ? "yes" : "no")}{(Structure is null ? "" : $" structure={Structure}")}");

    /// <summary>
    /// Reads what <see cref="ToString"/> writes, e.g. "gem=3 layers=3+4 parts=whole=0:1,top=0:0.5 flip=yes";
    /// a pooling key left out keeps the default's value; the structure descriptor is only there when asked
    /// for ("structure=hog:10x9:0.4"), so a written network descriptor means the same as before it existed.
    /// </summary>
    public static DescriptorOptions Parse(string text)
    {
        var result = Default with { NameSuffix = "-custom", Structure = null };
        foreach (var item in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var (key, value) = item.Split('=', 2) is [var k, var v] ? (k, v) : throw new FormatException($"'{item}' is not key=value.");
            result = key switch
            {
                "gem" when float.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var p) && p is >= 1 and <= 16 => result with { GemPower = p },
                "gem" => throw new FormatException($"gem is a power from 1 to 16, not '{value}'."),
                "layers" => result with { WithLayer3 = value switch { "3+4" => true, "4" => false, _ => throw new FormatException($"layers is 4 or 3+4, not '{value}'.") } },
                "parts" => result with { Parts = PartCrop.Parse(value) },
                "flip" => result with { FlipAverage = value switch { "yes" => true, "no" => false, _ => throw new FormatException($"flip is yes or no, not '{value}'.") } },
                "structure" => result with { Structure = value == "none" ? null : StructureOptions.Parse(value) },
                _ => throw new FormatException($"Unknown descriptor key '{key}' (gem, layers, parts, flip, structure)."),
            };
        }
        return result;
    }
}

/// <summary>
/// The ImageNet ResNet18 that NuGet package Microsoft.ML.DnnImageFeaturizer.ResNet18 0.23.1 ships
/// (CNTK's export), made servable: any batch size, its preprocessing and its descriptor written
/// into the file.
/// </summary>
public static class DefaultModel
{
    /// <summary>A new name for every new descriptor: a service finds a file prepared for the old one and keeps it otherwise.</summary>
    public const string Name = "resnet18-imagenet-gray-gem-parts-hog";
    /// <summary>
    /// 320 px: the photos are 171x256, and the net sees their details better enlarged (on the
    /// validation styles, whitened, same-category mAP@R 0.483 at 224 px, 0.511 at 320, 0.514 at
    /// 384: docs/RESULTS.md). It costs about twice the inference of 224 px, 384 three times.
    /// </summary>
    public const int DefaultInputSize = 320;
    /// <summary>
    /// The size and a hash of the descriptor, its blocks and the verifier are in the name, so that a file prepared
    /// for another size or by an earlier version is never taken for this one (a service prepares anew).
    /// </summary>
    public static string FileName { get; } = $"{Name}-{DefaultInputSize}px-{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(DescriptorOptions.Default + ";" + DescriptorBlocks.Format(DescriptorOptions.Default.Blocks) + ";" + DefaultVerifier)))[..8]}.onnx";

    /// <summary>
    /// The verifier of the default descriptor (Core VariantVerifier, its single features and their
    /// pairwise products), trained on the H&amp;M dev set's train styles (whole, and cut into catalogs of
    /// 400 and 1,200 products) and its threshold chosen there for precision 0.75 on each product's 10
    /// nearest (on the validation styles it gives precision / recall 0.85 / 0.21, 0.90 / 0.28, 0.93 / 0.29
    /// at 1,726 / 702 / 401 products: docs/RESULTS.md, "Each stage whitened by itself"), by
    /// `colorvariants eval --catalog ../shared/datasets/hm-colour-variants-dev --baseline default --split validation --verifier --target-precision 0.75`.
    /// Twenty-one numbers, no image: nothing of the dev set's pictures is in it.
    /// </summary>
    public const string DefaultVerifier = "-3.831394;4.8198504,-0.08924995,-0.038976356,0.050369304,-0.056058,-0.25470594,-0.59714967,0.32099846,-1.7178867,1.2552477,-1.7811238,-1.1479931,-0.7754273,0.40022847,-0.0048540714,0.08277557,0.33080134,-0.01271496,0.019573271;0.7095486";

    /// <summary>The last ReLU of the third and of the fourth stage in CNTK's graph.</summary>
    public const string Layer3Output = "ReLU347_Output_0";
    public const string Layer4Output = "ReLU393_Output_0";

    /// <summary>Where the build copies the package's model, relative to the application folder.</summary>
    public static string SourcePath => Path.Combine(AppContext.BaseDirectory, "models", "source", "resnet18-cntk.onnx");

    /// <summary>Writes the prepared model to <paramref name="destination"/> unless it is already there.</summary>
    /// <param name="inputSize">The input side, a multiple of 32; the descriptor's parts and mirror are fixed to it.</param>
    public static string EnsurePrepared(string destination, ColourMode colourMode = ColourMode.Gray, int inputSize = DefaultInputSize, DescriptorOptions? descriptor = null)
    {
        if (File.Exists(destination)) return destination;
        if (!File.Exists(SourcePath))
            throw new FileNotFoundException($"The ResNet18 source model is missing at {SourcePath}; rebuild the project to restore it.", SourcePath);
        var model = OnnxModelFile.Load(SourcePath);
        Prepare(model, colourMode, inputSize, descriptor ?? DescriptorOptions.Default);
        OnnxModelFile.Save(model, destination);
        return destination;
    }

    /// <summary>
    /// Replaces CNTK's fixed 7x7 AveragePool by the descriptor head: [mirror] → backbone →
    /// per stage and part, GeM pooling and L2 → concatenation → [sum with the mirror's].
    /// The service L2-normalises the output, and may whiten it with the catalog's own statistics.
    /// </summary>
    public static void Prepare(ModelProto model, ColourMode colourMode, int inputSize, DescriptorOptions descriptor)
    {
        if (inputSize % 32 != 0 || inputSize < 64) throw new ArgumentException($"The input size is a multiple of 32 from 64, not {inputSize}.", nameof(inputSize));
        var graph = model.Graph;
        graph.Node.Remove(graph.Node.Single(n => n.OpType == "AveragePool"));
        var input = graph.Input.Single(i => graph.Initializer.All(t => t.Name != i.Name));
        var b = new OnnxGraphBuilder(graph);

        // The opset is CNTK's 8: no negative-step Slice, so the mirror is a Gather of reversed
        // columns. Picture and mirror go through the backbone as one batch of twice the size.
        if (descriptor.FlipAverage)
        {
            var backboneInput = input.Name;
            input.Name = "image";
            var reversed = Enumerable.Range(0, inputSize).Select(i => (long)(inputSize - 1 - i)).ToArray();
            var columns = b.Initializer("mirror_columns", reversed, inputSize);
            graph.Node.Insert(0, new NodeProto { OpType = "Gather", Name = "mirror", Input = { "image", columns }, Output = { "mirror" }, Attribute = { Int("axis", 3) } });
            graph.Node.Insert(1, new NodeProto { OpType = "Concat", Name = "with_mirror", Input = { "image", "mirror" }, Output = { backboneInput }, Attribute = { Int("axis", 0) } });
        }

        var power = b.Initializer("gem_power", [descriptor.GemPower]);
        var inverse = b.Initializer("gem_inverse_power", [1f / descriptor.GemPower]);
        var pooled = new List<string>();
        foreach (var (stage, output, side) in Stages(descriptor, inputSize))
        {
            var clipped = b.Node("Clip", $"{stage}_clip", [output], Float("min", 1e-6f), Float("max", float.MaxValue));
            var raised = b.Node("Pow", $"{stage}_pow", [clipped, power]);
            foreach (var part in descriptor.Parts)
            {
                var (y0, y1, x0, x1) = part.ToPixels(side);
                if (y1 <= y0 || x1 <= x0) throw new ArgumentException($"Part {part} is empty on the {side}x{side} feature map of {stage} at {inputSize} px.");
                var region = b.Node("Slice", $"{stage}_{part.Name}_region", [raised], Ints("starts", y0, x0), Ints("ends", y1, x1), Ints("axes", 2, 3));
                var mean = b.Node("ReduceMean", $"{stage}_{part.Name}_mean", [region], Ints("axes", 2, 3), Int("keepdims", 0));
                var gem = b.Node("Pow", $"{stage}_{part.Name}_gem", [mean, inverse]);
                pooled.Add(b.Node("LpNormalization", $"{stage}_{part.Name}_l2", [gem], Int("axis", 1), Int("p", 2)));
            }
        }
        var descriptorOutput = pooled.Count == 1 ? pooled[0] : b.Node("Concat", "descriptor", pooled, Int("axis", 1));
        if (descriptor.FlipAverage)
        {
            graph.Node.Add(new NodeProto { OpType = "Split", Name = "split_mirror", Input = { descriptorOutput }, Output = { "original", "mirrored" }, Attribute = { Int("axis", 0) } });
            descriptorOutput = b.Node("Add", "with_mirror_sum", ["original", "mirrored"]);
        }
        if (descriptor.Structure is { } structure)
        {
            // Network block of length 1, structure block of length sqrt(w / (1 - w)): once the service
            // normalises the whole, an unwhitened cosine is already (1 - w) network + w structure.
            var network = b.Node("LpNormalization", "network_l2", [descriptorOutput], Int("axis", 1), Int("p", 2));
            var hog = StructureDescriptor.Append(b, descriptor.FlipAverage ? "image" : input.Name, inputSize, structure);
            var scaled = b.Node("Mul", "structure_weighted", [hog, b.Initializer("structure_scale", [MathF.Sqrt(structure.Weight / (1 - structure.Weight))])]);
            descriptorOutput = b.Node("Concat", "fused", [network, scaled], Int("axis", 1));
        }
        graph.Node.Add(new NodeProto { OpType = "Identity", Name = "embedding_output", Input = { descriptorOutput }, Output = { "embedding" } });

        input.Type = OnnxGraph.TensorType(["batch", 3, inputSize, inputSize]);
        graph.Input.Remove(input);
        graph.Input.Insert(0, input);
        graph.Output.Clear();
        graph.Output.Add(new ValueInfoProto { Name = "embedding", Type = OnnxGraph.TensorType(["batch", descriptor.Dimensions]) });
        graph.ValueInfo.Clear();

        var name = $"resnet18-imagenet-{colourMode switch { ColourMode.Gray => "gray", ColourMode.GrayEqualised => "gray-equalised", ColourMode.GrayStretched => "gray-stretched", _ => "rgb" }}{descriptor.NameSuffix}";
        OnnxModelFile.SetMetadata(model, PreprocessingSpec.CntkResNet(inputSize, colourMode).ToMetadata());
        OnnxModelFile.SetMetadata(model,
        [
            new(ModelMetadataKeys.Name, name),
            new(ModelMetadataKeys.Method, "imagenet"),
            new(ModelMetadataKeys.EmbeddingSize, descriptor.Dimensions.ToString(CultureInfo.InvariantCulture)),
            new(ModelMetadataKeys.Parts, PartCrop.Format(descriptor.Parts)),
            new(ModelMetadataKeys.Descriptor, descriptor.ToString()),
            new(ModelMetadataKeys.Blocks, DescriptorBlocks.Format(descriptor.Blocks)),
            // The verifier was trained on this descriptor's scores at this size, in gray: only that model carries it.
            .. descriptor == DescriptorOptions.Default && colourMode == ColourMode.Gray && inputSize == DefaultInputSize ? [new(ModelMetadataKeys.Verifier, DefaultVerifier)] : Array.Empty<KeyValuePair<string, string>>(),
            new(ModelMetadataKeys.Source, "NuGet Microsoft.ML.DnnImageFeaturizer.ResNet18 0.23.1 (CNTK 2.6 export, MIT)"),
        ]);
    }

    /// <summary>
    /// A model of the structure descriptor alone (no network): the default's preprocessing, then
    /// <see cref="StructureDescriptor"/>. For measuring the descriptor by itself (`eval --baseline structure`).
    /// </summary>
    public static string EnsureStructureOnly(string destination, int inputSize, StructureOptions structure)
    {
        if (File.Exists(destination)) return destination;
        var model = new ModelProto
        {
            IrVersion = 4,
            OpsetImport = { new OperatorSetIdProto { Domain = "", Version = 8 } },
            ProducerName = "colorvariants",
            Graph = new GraphProto { Name = "structure" },
        };
        var b = new OnnxGraphBuilder(model.Graph);
        model.Graph.Input.Add(new ValueInfoProto { Name = "image", Type = OnnxGraph.TensorType(["batch", 3, inputSize, inputSize]) });
        var output = StructureDescriptor.Append(b, "image", inputSize, structure);
        model.Graph.Node.Add(new NodeProto { OpType = "Identity", Name = "embedding_output", Input = { output }, Output = { "embedding" } });
        model.Graph.Output.Add(new ValueInfoProto { Name = "embedding", Type = OnnxGraph.TensorType(["batch", structure.Dimensions]) });
        OnnxModelFile.SetMetadata(model, PreprocessingSpec.CntkResNet(inputSize, ColourMode.Gray).ToMetadata());
        OnnxModelFile.SetMetadata(model,
        [
            new(ModelMetadataKeys.Name, $"structure-{structure}"),
            new(ModelMetadataKeys.Method, "structure"),
            new(ModelMetadataKeys.EmbeddingSize, structure.Dimensions.ToString(CultureInfo.InvariantCulture)),
            new(ModelMetadataKeys.Descriptor, $"structure={structure}"),
        ]);
        OnnxModelFile.Save(model, destination);
        return destination;
    }

    private static IEnumerable<(string Stage, string Output, int Side)> Stages(DescriptorOptions descriptor, int inputSize)
    {
        if (descriptor.WithLayer3) yield return ("layer3", Layer3Output, inputSize / 16);
        yield return ("layer4", Layer4Output, inputSize / 32);
    }
}
