using System.Text.Json;
using System.Text.Json.Serialization;

namespace ColorVariants.Training.Trainers;

/// <summary>One JSON style for the checkpoint and training.json: camelCase, enums as names, indented for people.</summary>
internal static class TrainingJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    /// <summary>Writes beside the target and renames, so a reader never sees half a file.</summary>
    public static void Write<T>(string path, T value)
    {
        var partial = path + ".partial";
        File.WriteAllBytes(partial, JsonSerializer.SerializeToUtf8Bytes(value, Options));
        File.Move(partial, path, overwrite: true);
    }

    public static T Read<T>(string path) =>
        JsonSerializer.Deserialize<T>(File.ReadAllBytes(path), Options) ?? throw new InvalidDataException($"{path} is empty.");
}
