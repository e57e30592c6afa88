using System.Text.Json;
using System.Text.Json.Nodes;

namespace ColorVariants.Training.Trainers;

/// <summary>What <see cref="Checkpoint"/> writes to checkpoint.json.</summary>
internal sealed record CheckpointState(int Format, TrainingOptions Options, string CatalogFingerprint, int EpochsDone, List<EpochResult> Epochs);

/// <summary>
/// The state after the last finished epoch, in &lt;out&gt;/checkpoint: network weights and buffers, optimizer
/// state, whatever the method keeps besides (key encoder, queue), and checkpoint.json. A new one is written
/// whole into checkpoint.partial and swapped in, so an interrupted save leaves the previous one usable.
/// </summary>
internal static class Checkpoint
{
    public const int Format = 1;
    public const string StateFile = "checkpoint.json";
    public const string NetworkFile = "network.bin";
    public const string OptimizerFile = "optimizer.bin";

    public static string DirectoryFor(string outputDirectory) => Path.Combine(outputDirectory, "checkpoint");

    /// <summary>
    /// The checkpoint in the output folder, or null when there is none. Throws <see cref="TrainingException"/>
    /// when it was made with other options or another catalog.
    /// </summary>
    public static (ResumePoint Point, CheckpointState State)? Find(TrainingOptions options, string catalogFingerprint)
    {
        var directory = DirectoryFor(options.OutputDirectory);
        var old = directory + ".old";
        // A save that died between its two renames left only the previous checkpoint, under .old.
        if (!File.Exists(Path.Combine(directory, StateFile)) && File.Exists(Path.Combine(old, StateFile)))
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
            Directory.Move(old, directory);
        }
        var path = Path.Combine(directory, StateFile);
        if (!File.Exists(path)) return null;

        CheckpointState state;
        try
        {
            state = TrainingJson.Read<CheckpointState>(path);
        }
        catch (Exception e) when (e is JsonException or InvalidDataException)
        {
            throw new TrainingException($"The checkpoint {path} cannot be read ({e.Message}); delete {directory} to start over.");
        }
        if (state.Format != Format || state.Options is null || state.Epochs is null)
            throw new TrainingException($"The checkpoint {path} has an unknown format; delete {directory} to start over.");

        var differences = Differences(state.Options, options);
        if (state.CatalogFingerprint != catalogFingerprint)
            differences.Add($"catalog.csv changed (fingerprint {state.CatalogFingerprint[..12]} -> {catalogFingerprint[..12]})");
        if (differences.Count > 0)
            throw new TrainingException(
                $"{options.OutputDirectory} holds a checkpoint of another run: {string.Join("; ", differences)}. " +
                "Use another --out folder, or the same options to resume (only the epochs, device, threads, cache folder, export size and where the same verdicts are read from may change).");
        if (state.EpochsDone > options.Epochs)
            throw new TrainingException(
                $"The checkpoint in {options.OutputDirectory} has {state.EpochsDone} epochs, more than the {options.Epochs} asked for; ask for at least {state.EpochsDone}.");
        return (new ResumePoint(state.EpochsDone, directory, state.Epochs), state);
    }

    /// <summary>Writes a complete checkpoint; <paramref name="writeFiles"/> saves the tensors into the folder it is given.</summary>
    public static void Save(string outputDirectory, CheckpointState state, Action<string> writeFiles)
    {
        var directory = DirectoryFor(outputDirectory);
        var partial = directory + ".partial";
        var old = directory + ".old";
        if (Directory.Exists(partial)) Directory.Delete(partial, recursive: true);
        Directory.CreateDirectory(partial);
        writeFiles(partial);
        TrainingJson.Write(Path.Combine(partial, StateFile), state); // last: its presence marks the folder complete
        if (Directory.Exists(old)) Directory.Delete(old, recursive: true);
        if (Directory.Exists(directory)) Directory.Move(directory, old);
        Directory.Move(partial, directory);
        if (Directory.Exists(old)) Directory.Delete(old, recursive: true);
    }

    /// <summary>"name: saved -> asked" for each option that may not change between a checkpoint and its resumption.</summary>
    private static List<string> Differences(TrainingOptions saved, TrainingOptions asked)
    {
        // The verdicts count by their fingerprint: the same ones from a file or from the service are the same run.
        static JsonObject Comparable(TrainingOptions options) =>
            JsonSerializer.SerializeToNode(options with
            {
                Epochs = 0, Device = TrainingDevice.Cpu, Threads = 0, CacheDirectory = null, ExportSize = null,
                Labels = options.Labels is { } labels ? labels with { Source = "" } : null,
            }, TrainingJson.Options)!.AsObject();

        var before = Comparable(saved);
        var now = Comparable(asked);
        return now
            .Where(p => !JsonNode.DeepEquals(p.Value, before[p.Key]))
            .Select(p => $"{p.Key}: {Text(before[p.Key])} -> {Text(p.Value)}")
            .ToList();
    }

    private static string Text(JsonNode? node) => node?.ToJsonString() ?? "null";
}
