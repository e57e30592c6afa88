using ColorVariants.Inference.Onnx.Proto;
using TorchSharp;
using static TorchSharp.torch;

namespace ColorVariants.Training.Models;

/// <summary>A Conv node and the BatchNormalization node that reads its output.</summary>
public sealed record ConvBatchNormNodes(NodeProto Conv, NodeProto BatchNorm);

/// <summary>The nodes of one residual block; <see cref="Shortcut"/> is null where the input is added as it is.</summary>
public sealed record ResidualBlockNodes(ConvBatchNormNodes First, ConvBatchNormNodes Second, ConvBatchNormNodes? Shortcut);

/// <summary>
/// The layers of a CNTK ResNet ONNX graph, found by following its data flow from the image input
/// (never by initializer names, which are CNTK's numbering): Conv, BN, Relu, MaxPool, then per
/// block the two-conv main path ending in an Add whose other input is either the block input or
/// a Conv+BN of it (the shortcut, which CNTK lists BEFORE the main path's convolutions).
/// </summary>
public sealed class CntkResNetGraph
{
    private readonly Dictionary<string, TensorProto> _initializers;
    private readonly ILookup<string, NodeProto> _consumers;

    private CntkResNetGraph(GraphProto graph)
    {
        _initializers = graph.Initializer.ToDictionary(t => t.Name, StringComparer.Ordinal);
        _consumers = graph.Node.SelectMany(n => n.Input.Distinct().Select(i => (Input: i, Node: n))).ToLookup(p => p.Input, p => p.Node);
        var input = graph.Input.Single(i => !_initializers.ContainsKey(i.Name)).Name;

        var stemConv = SingleConsumer(input, "Conv");
        Stem = new ConvBatchNormNodes(stemConv, SingleConsumer(stemConv.Output[0], "BatchNormalization"));
        MaxPool = SingleConsumer(SingleConsumer(Stem.BatchNorm.Output[0], "Relu").Output[0], "MaxPool");

        var blocks = new List<ResidualBlockNodes>();
        var value = MaxPool.Output[0];
        while (_consumers[value].Any(n => n.OpType == "Conv"))
        {
            var (block, output) = ReadBlock(value);
            blocks.Add(block);
            value = output;
        }
        Blocks = blocks;
        Pool = SingleConsumer(value, null);
    }

    public ConvBatchNormNodes Stem { get; }
    public NodeProto MaxPool { get; }
    public IReadOnlyList<ResidualBlockNodes> Blocks { get; }
    /// <summary>The pooling node after the last block (CNTK's fixed 7x7 AveragePool).</summary>
    public NodeProto Pool { get; }

    public static CntkResNetGraph Read(ModelProto model) => new(model.Graph);

    /// <summary>Block counts per layer: a layer starts at each block with a shortcut convolution.</summary>
    public IReadOnlyList<int> BlocksPerLayer()
    {
        var counts = new List<int>();
        foreach (var block in Blocks)
        {
            if (counts.Count == 0 || block.Shortcut is not null) counts.Add(0);
            counts[^1]++;
        }
        return counts;
    }

    /// <summary>Copies every convolution and BatchNorm into <paramref name="network"/>, checking shapes and attributes on the way.</summary>
    public void CopyInto(CntkResNet18 network)
    {
        var counts = BlocksPerLayer();
        if (!counts.SequenceEqual(CntkResNet18.BlocksPerLayer))
            throw new InvalidDataException($"The graph has blocks [{string.Join(',', counts)}] per layer, not CntkResNet18's [{string.Join(',', CntkResNet18.BlocksPerLayer)}].");
        var pool = Attributes(MaxPool);
        if (!pool.Ints("kernel_shape").SequenceEqual([CntkResNet18.MaxPoolKernel, CntkResNet18.MaxPoolKernel])
            || !pool.Ints("strides").SequenceEqual([CntkResNet18.MaxPoolStride, CntkResNet18.MaxPoolStride])
            || EdgePadding.FromOnnx(pool.Ints("pads")) != CntkResNet18.MaxPoolPadding)
            throw new InvalidDataException($"MaxPool {MaxPool.Name} differs from CntkResNet18's.");

        var targets = network.Layers.SelectMany(l => l).ToArray();
        using var _ = no_grad();
        Copy(Stem, network.Stem);
        for (var i = 0; i < Blocks.Count; i++)
        {
            Copy(Blocks[i].First, targets[i].First);
            Copy(Blocks[i].Second, targets[i].Second);
            if ((Blocks[i].Shortcut is null) != (targets[i].Shortcut is null))
                throw new InvalidDataException($"Block {i}: the graph and CntkResNet18 disagree on its shortcut convolution.");
            if (Blocks[i].Shortcut is { } shortcut) Copy(shortcut, targets[i].Shortcut!);
        }
    }

    private void Copy(ConvBatchNormNodes nodes, ConvBatchNorm target)
    {
        var conv = Attributes(nodes.Conv);
        var where = nodes.Conv.Name;
        if (nodes.Conv.Input.Count != 2)
            throw new InvalidDataException($"{where}: expected a bias-free Conv (input and weight), it has {nodes.Conv.Input.Count} inputs.");
        if (!conv.Ints("strides", [1, 1]).SequenceEqual([target.Stride, target.Stride])
            || !conv.Ints("kernel_shape", KernelOf(nodes.Conv.Input[1])).SequenceEqual([target.KernelSize, target.KernelSize])
            || EdgePadding.FromOnnx(conv.Ints("pads")) != target.Padding
            || conv.Int("group", 1) != 1
            || conv.Ints("dilations", [1, 1]).Any(d => d != 1))
            throw new InvalidDataException($"{where}: kernel, stride, pads, groups or dilations differ from the module's.");
        var epsilon = Attributes(nodes.BatchNorm).Float("epsilon", 1e-5f);
        if (Math.Abs(epsilon - ConvBatchNorm.Epsilon) > 1e-9)
            throw new InvalidDataException($"{nodes.BatchNorm.Name}: epsilon {epsilon} is not {ConvBatchNorm.Epsilon}.");

        Assign(target.Conv.weight!, nodes.Conv.Input[1], where);
        Assign(target.Norm.weight!, nodes.BatchNorm.Input[1], where);
        Assign(target.Norm.bias!, nodes.BatchNorm.Input[2], where);
        Assign(target.Norm.running_mean!, nodes.BatchNorm.Input[3], where);
        Assign(target.Norm.running_var!, nodes.BatchNorm.Input[4], where);
    }

    /// <summary>A Conv without kernel_shape takes it from its weight's last two dimensions.</summary>
    private long[] KernelOf(string weight) =>
        _initializers.TryGetValue(weight, out var proto) && proto.Dims.Count == 4 ? [proto.Dims[2], proto.Dims[3]] : [];

    private void Assign(Tensor target, string initializer, string where)
    {
        if (!_initializers.TryGetValue(initializer, out var proto))
            throw new InvalidDataException($"{where}: input {initializer} is not an initializer.");
        if (!proto.Dims.SequenceEqual(target.shape))
            throw new InvalidDataException($"{where}: {initializer} is [{string.Join(',', proto.Dims)}], the module wants [{string.Join(',', target.shape)}].");
        using var source = tensor(FloatValues(proto), proto.Dims.ToArray());
        target.copy_(source);
    }

    private static float[] FloatValues(TensorProto proto)
    {
        if (proto.DataType != (int)TensorProto.Types.DataType.Float)
            throw new InvalidDataException($"{proto.Name} is not a float tensor.");
        if (proto.FloatData.Count > 0) return proto.FloatData.ToArray();
        var values = new float[proto.RawData.Length / sizeof(float)];
        Buffer.BlockCopy(proto.RawData.ToByteArray(), 0, values, 0, values.Length * sizeof(float));
        return values;
    }

    private (ResidualBlockNodes Block, string Output) ReadBlock(string input)
    {
        ConvBatchNormNodes? first = null, shortcut = null;
        NodeProto? firstRelu = null;
        foreach (var conv in _consumers[input].Where(n => n.OpType == "Conv"))
        {
            var bn = SingleConsumer(conv.Output[0], "BatchNormalization");
            var next = SingleConsumer(bn.Output[0], null);
            switch (next.OpType)
            {
                case "Relu" when first is null:
                    first = new ConvBatchNormNodes(conv, bn);
                    firstRelu = next;
                    break;
                case "Add" when shortcut is null:
                    shortcut = new ConvBatchNormNodes(conv, bn);
                    break;
                default:
                    throw new InvalidDataException($"{conv.Name}: its BatchNorm feeds {next.OpType} {next.Name}, not a block's Relu or Add.");
            }
        }
        if (first is null || firstRelu is null)
            throw new InvalidDataException($"No residual block's main path starts at {input}.");

        var secondConv = SingleConsumer(firstRelu.Output[0], "Conv");
        var second = new ConvBatchNormNodes(secondConv, SingleConsumer(secondConv.Output[0], "BatchNormalization"));
        var add = SingleConsumer(second.BatchNorm.Output[0], "Add");
        var other = add.Input.Single(i => i != second.BatchNorm.Output[0]);
        var expected = shortcut?.BatchNorm.Output[0] ?? input;
        if (other != expected)
            throw new InvalidDataException($"{add.Name} adds {other}, not the block's shortcut {expected}.");
        var relu = SingleConsumer(add.Output[0], "Relu");
        return (new ResidualBlockNodes(first, second, shortcut), relu.Output[0]);
    }

    private NodeProto SingleConsumer(string value, string? opType)
    {
        var consumers = _consumers[value].ToArray();
        if (consumers.Length != 1 || (opType is not null && consumers[0].OpType != opType))
            throw new InvalidDataException(
                $"{value} should feed exactly one {opType ?? "node"}, it feeds [{string.Join(", ", consumers.Select(c => $"{c.OpType} {c.Name}"))}].");
        return consumers[0];
    }

    private static NodeAttributes Attributes(NodeProto node) => new(node);

    /// <summary>Attribute values with ONNX's defaults where a node leaves one out.</summary>
    private readonly struct NodeAttributes(NodeProto node)
    {
        public long[] Ints(string name, long[]? fallback = null) => Find(name)?.Ints.ToArray() ?? fallback ?? [];
        public long Int(string name, long fallback) => Find(name)?.I ?? fallback;
        public float Float(string name, float fallback) => Find(name)?.F ?? fallback;
        private AttributeProto? Find(string name) => node.Attribute.FirstOrDefault(a => a.Name == name);
    }
}
