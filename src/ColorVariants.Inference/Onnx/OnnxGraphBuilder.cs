using System.Runtime.InteropServices;
using ColorVariants.Inference.Onnx.Proto;
using Google.Protobuf;

namespace ColorVariants.Inference.Onnx;

/// <summary>
/// Appends nodes and initializers to a graph; each node's single output is named after the node.
/// The trainer's exporter writes whole graphs with it, the default model's preparation its descriptor head.
/// </summary>
public sealed class OnnxGraphBuilder(GraphProto? graph = null)
{
    public GraphProto Graph { get; } = graph ?? new();

    public string Initializer(string name, ReadOnlySpan<float> values, params long[] dims) =>
        AddInitializer(name, TensorProto.Types.DataType.Float, MemoryMarshal.AsBytes(values), dims);

    public string Initializer(string name, ReadOnlySpan<long> values, params long[] dims) =>
        AddInitializer(name, TensorProto.Types.DataType.Int64, MemoryMarshal.AsBytes(values), dims);

    public string Node(string opType, string name, IEnumerable<string> inputs, params AttributeProto[] attributes)
    {
        Graph.Node.Add(new NodeProto { OpType = opType, Name = name, Input = { inputs }, Output = { name }, Attribute = { attributes } });
        return name;
    }

    public static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Ints(string name, params long[] values) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Ints, Ints = { values } };

    public static AttributeProto String(string name, string value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };

    public static AttributeProto Float(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    private string AddInitializer(string name, TensorProto.Types.DataType type, ReadOnlySpan<byte> bytes, long[] dims)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("ONNX raw_data is little-endian.");
        Graph.Initializer.Add(new TensorProto { Name = name, DataType = (int)type, Dims = { dims }, RawData = ByteString.CopyFrom(bytes) });
        return name;
    }
}
