using TorchSharp;
using static TorchSharp.torch;

namespace ColorVariants.Training.Trainers;

/// <summary>
/// A network's parameters and buffers (BatchNorm statistics) in a file, by their registered names.
/// Not Module.save: TorchSharp 0.107's state_dict also lists every module held in a property under its
/// backing-field name (e.g. conv1.&lt;Conv&gt;k__BackingField.weight), so it writes each weight four or five times.
/// </summary>
internal static class NetworkWeights
{
    public static void Save(nn.Module network, string path)
    {
        var tensors = Named(network);
        using var writer = new BinaryWriter(File.Create(path));
        writer.Write(tensors.Count);
        foreach (var (name, tensor) in tensors)
        {
            writer.Write(name);
            tensor.Save(writer);
        }
    }

    /// <summary>Loads into <paramref name="network"/>'s own tensors; the file must hold exactly its names and shapes.</summary>
    public static void Load(nn.Module network, string path)
    {
        var tensors = Named(network).ToDictionary(t => t.Name, t => t.Tensor, StringComparer.Ordinal);
        using var reader = new BinaryReader(File.OpenRead(path));
        var count = reader.ReadInt32();
        if (count != tensors.Count)
            throw new InvalidDataException($"{path} holds {count} tensors; the network has {tensors.Count}.");
        for (var i = 0; i < count; i++)
        {
            var name = reader.ReadString();
            if (!tensors.TryGetValue(name, out var tensor))
                throw new InvalidDataException($"{path} holds '{name}', which the network lacks.");
            try
            {
                tensor.Load(reader);
            }
            catch (ArgumentException e)
            {
                throw new InvalidDataException($"{path}: '{name}' does not fit the network ({e.Message}).", e);
            }
        }
    }

    private static List<(string Name, Tensor Tensor)> Named(nn.Module network) =>
        network.named_parameters().Select(p => (p.name, (Tensor)p.parameter))
            .Concat(network.named_buffers().Select(b => (b.name, b.buffer)))
            .ToList();
}
