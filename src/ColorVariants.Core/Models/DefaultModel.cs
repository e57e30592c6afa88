using ColorVariants.Core.Images;
using ColorVariants.Core.Onnx;
using ColorVariants.Core.Onnx.Proto;

namespace ColorVariants.Core.Models;

/// <summary>
/// The ImageNet ResNet18 that NuGet package Microsoft.ML.DnnImageFeaturizer.ResNet18 0.23.1 ships
/// (CNTK's export), made servable: any batch size and input size, 512 pooled features out, and
/// its preprocessing written into the file.
/// </summary>
public static class DefaultModel
{
    public const string Name = "resnet18-imagenet-gray";
    public const string FileName = Name + ".onnx";

    /// <summary>Where the build copies the package's model, relative to the application folder.</summary>
    public static string SourcePath => Path.Combine(AppContext.BaseDirectory, "models", "source", "resnet18-cntk.onnx");

    /// <summary>Writes the prepared model to <paramref name="destination"/> unless it is already there.</summary>
    /// <param name="inputSize">The input side written into the preprocessing; the network itself takes any multiple of 32.</param>
    public static string EnsurePrepared(string destination, ColourMode colourMode = ColourMode.Gray, int inputSize = 224)
    {
        if (File.Exists(destination)) return destination;
        if (!File.Exists(SourcePath))
            throw new FileNotFoundException($"The ResNet18 source model is missing at {SourcePath}; rebuild the project to restore it.", SourcePath);
        var model = OnnxModelFile.Load(SourcePath);
        Prepare(model, colourMode, inputSize);
        OnnxModelFile.Save(model, destination);
        return destination;
    }

    /// <summary>
    /// CNTK pools with a fixed 7x7 AveragePool, which only fits 224-pixel input; a
    /// GlobalAveragePool is the same there and fits any size. Flatten gives [batch, 512].
    /// </summary>
    public static void Prepare(ModelProto model, ColourMode colourMode, int inputSize = 224)
    {
        var graph = model.Graph;
        var pool = graph.Node.Single(n => n.OpType == "AveragePool");
        var pooled = pool.Output[0];
        pool.OpType = "GlobalAveragePool";
        pool.Attribute.Clear();
        pool.Output[0] = pooled + "_global";
        graph.Node.Add(new NodeProto
        {
            OpType = "Flatten",
            Name = "flatten_embedding",
            Input = { pool.Output[0] },
            Output = { "embedding" },
            Attribute = { new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = 1 } },
        });

        var input = graph.Input.Single(i => graph.Initializer.All(t => t.Name != i.Name));
        input.Type = OnnxGraph.TensorType(["batch", 3, "height", "width"]);
        graph.Output.Clear();
        graph.Output.Add(new ValueInfoProto { Name = "embedding", Type = OnnxGraph.TensorType(["batch", 512]) });
        graph.ValueInfo.Clear();

        OnnxModelFile.SetMetadata(model, PreprocessingSpec.CntkResNet(inputSize, colourMode).ToMetadata());
        OnnxModelFile.SetMetadata(model,
        [
            new(ModelMetadataKeys.Name, colourMode == ColourMode.Gray ? Name : "resnet18-imagenet-rgb"),
            new(ModelMetadataKeys.Method, "imagenet"),
            new(ModelMetadataKeys.EmbeddingSize, "512"),
            new(ModelMetadataKeys.Source, "NuGet Microsoft.ML.DnnImageFeaturizer.ResNet18 0.23.1 (CNTK 2.6 export, MIT)"),
        ]);
    }
}
