using ColorVariants.Inference.Onnx.Proto;
using Google.Protobuf;

namespace ColorVariants.Inference.Onnx;

/// <summary>Reads and writes ONNX model files and sets their metadata.</summary>
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
}
