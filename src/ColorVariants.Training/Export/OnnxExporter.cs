using System.Globalization;
using ColorVariants.Core.Models;
using ColorVariants.Core.Parts;
using ColorVariants.Inference.Onnx;
using ColorVariants.Inference.Onnx.Proto;
using ColorVariants.Training.Models;

namespace ColorVariants.Training.Export;

/// <summary>
/// Writes the trainer's networks as ONNX (TorchSharp has no exporter): one input "image"
/// [batch,3,S,S], one output "embedding" [batch,D] of unit vectors, BatchNorm folded into the
/// convolutions with its running statistics (so the file computes what the network does in
/// eval mode), and the preprocessing and provenance in metadata_props.
/// </summary>
public static class OnnxExporter
{
    public const string InputName = "image";
    public const string OutputName = "embedding";
    public const string ProducerName = "ColorVariants";
    public const long IrVersion = 8;
    public const long OpsetVersion = 17;

    /// <summary>The bare backbone: its 512 pooled features, normalised.</summary>
    public static ModelProto Build(CntkResNet18 backbone, ExportMetadata metadata)
    {
        var (writer, input) = Begin(metadata, metadata.Preprocessing.InputSize);
        var output = writer.Normalise(writer.Backbone(backbone, input, ""), "");
        return Finish(writer, output, CntkResNet18.FeatureSize, [WholePicture], metadata);
    }

    public static ModelProto Build(EmbeddingNet net, ExportMetadata metadata)
    {
        var (writer, input) = Begin(metadata, metadata.Preprocessing.InputSize);
        var features = writer.Backbone(net.Backbone, input, "");
        var output = writer.Normalise(writer.Head(net.Head, features, "", "head"), "");
        return Finish(writer, output, net.EmbeddingSize, [WholePicture], metadata);
    }

    /// <summary>
    /// The parts are cut with Slice at <see cref="PartCrop.ToPixels"/> of the preprocessing's input size,
    /// usually the size the net was trained at; parts are fractions, so a larger size cuts the same parts.
    /// </summary>
    public static ModelProto Build(PartEmbeddingNet net, ExportMetadata metadata)
    {
        var size = metadata.Preprocessing.InputSize;
        if (PartEmbeddingNet.PartSizeProblem(net.Parts, size) is { } problem) throw new ArgumentException(problem, nameof(metadata));
        var (writer, input) = Begin(metadata, size);
        var parts = new List<string>();
        for (var i = 0; i < net.Parts.Count; i++)
        {
            var scope = $"{net.Parts[i].Name}/";
            var crop = writer.Crop(input, net.Parts[i], size, scope);
            var features = writer.Backbone(net.Backbone, crop, scope);
            parts.Add(writer.Normalise(writer.Head(net.Heads[i], features, scope, $"heads.{i}"), scope));
        }
        var joined = writer.Builder.Node("Concat", "parts_concat", parts, OnnxGraphBuilder.Int("axis", 1));
        return Finish(writer, writer.Normalise(joined, ""), net.EmbeddingSize, net.Parts, metadata);
    }

    public static void Export(CntkResNet18 backbone, ExportMetadata metadata, string path) => OnnxModelFile.Save(Build(backbone, metadata), path);

    public static void Export(EmbeddingNet net, ExportMetadata metadata, string path) => OnnxModelFile.Save(Build(net, metadata), path);

    public static void Export(PartEmbeddingNet net, ExportMetadata metadata, string path) => OnnxModelFile.Save(Build(net, metadata), path);

    private static PartCrop WholePicture => PartCrop.Default[0];

    private static (OnnxGraphWriter Writer, string Input) Begin(ExportMetadata metadata, int inputSize)
    {
        metadata.Validate();
        CntkResNet18.CheckInputSize(inputSize, inputSize);
        var writer = new OnnxGraphWriter();
        writer.Builder.Graph.Name = metadata.Name;
        writer.Builder.Graph.Input.Add(new ValueInfoProto { Name = InputName, Type = OnnxGraph.TensorType(["batch", 3, inputSize, inputSize]) });
        return (writer, InputName);
    }

    private static ModelProto Finish(OnnxGraphWriter writer, string output, int embeddingSize, IReadOnlyList<PartCrop> parts, ExportMetadata metadata)
    {
        var graph = writer.Builder.Graph;
        graph.Node.Add(new NodeProto { OpType = "Identity", Name = OutputName, Input = { output }, Output = { OutputName } });
        graph.Output.Add(new ValueInfoProto { Name = OutputName, Type = OnnxGraph.TensorType(["batch", embeddingSize]) });
        var model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = ProducerName,
            ProducerVersion = typeof(OnnxExporter).Assembly.GetName().Version?.ToString() ?? "",
            OpsetImport = { new OperatorSetIdProto { Domain = "", Version = OpsetVersion } },
            Graph = graph,
        };
        OnnxModelFile.SetMetadata(model, metadata.Preprocessing.ToMetadata());
        var entries = new List<KeyValuePair<string, string>>
        {
            new(ModelMetadataKeys.Name, metadata.Name),
            new(ModelMetadataKeys.Method, metadata.Method),
            new(ModelMetadataKeys.EmbeddingSize, embeddingSize.ToString(CultureInfo.InvariantCulture)),
            new(ModelMetadataKeys.Parts, PartCrop.Format(parts)),
            new(ModelMetadataKeys.CatalogFingerprint, metadata.CatalogFingerprint),
            new(ModelMetadataKeys.Seed, metadata.Seed.ToString(CultureInfo.InvariantCulture)),
            new(ModelMetadataKeys.CreatedAt, metadata.CreatedAtText),
        };
        if (metadata.Source is not null) entries.Add(new(ModelMetadataKeys.Source, metadata.Source));
        OnnxModelFile.SetMetadata(model, entries);
        return model;
    }
}
