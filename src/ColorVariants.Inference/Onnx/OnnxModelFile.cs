using ColorVariants.Inference.Onnx.Proto;
using Google.Protobuf;

namespace ColorVariants.Inference.Onnx;

/// <summary>Reads, edits and writes ONNX model files: metadata and the small graph surgery the project needs.</summary>
public static class OnnxModelFile
{
    /// <summary>Models over 2 GB need external data, which no model here comes near.</summary>
    public static ModelProto Load(string path)
    {
        using var stream = File.OpenRead(path);
        return ModelProto.Parser.ParseFrom(stream);
    }

    /// <summary>Writes to a temporary file first, so a reader never sees half a model.</summary>
    public static void Save(ModelProto model, string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        using (var stream = File.Create(temporary))
        {
            model.WriteTo(stream);
        }
        File.Move(temporary, path, overwrite: true);
    }

    public static IReadOnlyDictionary<string, string> ReadMetadata(ModelProto model) =>
        model.MetadataProps.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);

    public static void SetMetadata(ModelProto model, IEnumerable<KeyValuePair<string, string>> entries)
    {
        foreach (var (key, value) in entries)
        {
            var existing = model.MetadataProps.FirstOrDefault(p => p.Key == key);
            if (existing is null)
                model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
            else
                existing.Value = value;
        }
    }

    /// <summary>Names the first dimension of every graph input and output, so any batch size runs.</summary>
    public static void MakeBatchDimensionDynamic(ModelProto model, string name = "batch")
    {
        foreach (var value in model.Graph.Input.Concat(model.Graph.Output))
        {
            var dims = value.Type?.TensorType?.Shape?.Dim;
            if (dims is { Count: > 0 })
                dims[0] = new TensorShapeProto.Types.Dimension { DimParam = name };
        }
        // Shapes recorded for intermediate values would pin the batch size again.
        model.Graph.ValueInfo.Clear();
    }
}
