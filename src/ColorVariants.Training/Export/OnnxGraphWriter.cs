using ColorVariants.Core.Parts;
using ColorVariants.Inference.Onnx;
using ColorVariants.Training.Models;
using TorchSharp;
using static ColorVariants.Inference.Onnx.OnnxGraphBuilder;
using static TorchSharp.torch;

namespace ColorVariants.Training.Export;

/// <summary>
/// Writes the trainer's layers as ONNX nodes. Weights become initializers once, named after their
/// module's path, however many times the nodes are written (the part model runs its one
/// backbone on each part); node names carry a scope (the part) to stay unique.
/// </summary>
internal sealed class OnnxGraphWriter
{
    /// <summary>torch.nn.functional.normalize's epsilon, so the file and the network normalise alike.</summary>
    public const float NormEpsilon = 1e-12f;

    private readonly Dictionary<object, (string Weight, string Bias)> _weights = new(ReferenceEqualityComparer.Instance);
    private string? _normEpsilon;

    public OnnxGraphBuilder Builder { get; } = new();

    /// <summary>Pooled features [batch,512] of <paramref name="input"/>.</summary>
    public string Backbone(CntkResNet18 backbone, string input, string scope)
    {
        var x = Builder.Node("Relu", $"{scope}stem.relu", [ConvBatchNorm(backbone.Stem, input, $"{scope}stem", "backbone.stem")]);
        x = Builder.Node("MaxPool", $"{scope}stem.maxpool", [x],
            Ints("kernel_shape", CntkResNet18.MaxPoolKernel, CntkResNet18.MaxPoolKernel),
            Ints("strides", CntkResNet18.MaxPoolStride, CntkResNet18.MaxPoolStride),
            Ints("pads", CntkResNet18.MaxPoolPadding.ToOnnx()));
        for (var layer = 0; layer < backbone.Layers.Count; layer++)
        {
            for (var index = 0; index < backbone.Layers[layer].Count; index++)
            {
                var name = $"layer{layer + 1}.{index}";
                x = Block(backbone.Layers[layer][index], x, $"{scope}{name}", $"backbone.{name}");
            }
        }
        x = Builder.Node("GlobalAveragePool", $"{scope}pool", [x]);
        return Builder.Node("Flatten", $"{scope}flatten", [x], Int("axis", 1));
    }

    public string Head(ProjectionHead head, string input, string scope, string weightScope)
    {
        var x = input;
        for (var i = 0; i < head.Layers.Count; i++)
        {
            if (i > 0) x = Builder.Node("Relu", $"{scope}{weightScope}.relu{i}", [x]);
            var linear = head.Layers[i];
            var (weight, bias) = Weights(linear, () => (Values(linear.weight!), Values(linear.bias!)), $"{weightScope}.linear{i + 1}");
            // Gemm with transB computes x·Wᵀ + b, which is torch's Linear with its [out,in] weight.
            x = Builder.Node("Gemm", $"{scope}{weightScope}.linear{i + 1}", [x, weight, bias], Int("transB", 1));
        }
        return x;
    }

    /// <summary>x / max(‖x‖₂, ε) along axis 1, as torch.nn.functional.normalize.</summary>
    public string Normalise(string input, string scope)
    {
        _normEpsilon ??= Builder.Initializer("l2_epsilon", [NormEpsilon]);
        var norm = Builder.Node("ReduceL2", $"{scope}l2norm", [input], Ints("axes", 1), Int("keepdims", 1));
        var clamped = Builder.Node("Max", $"{scope}l2norm_clamped", [norm, _normEpsilon]);
        return Builder.Node("Div", $"{scope}normalised", [input, clamped]);
    }

    /// <summary>The part's rows and columns of <paramref name="input"/>; the whole picture needs no Slice.</summary>
    public string Crop(string input, PartCrop part, int inputSize, string scope)
    {
        var (y0, y1, x0, x1) = part.ToPixels(inputSize);
        if (y0 == 0 && x0 == 0 && y1 == inputSize && x1 == inputSize) return input;
        var starts = Builder.Initializer($"{scope}crop.starts", [(long)y0, x0], 2);
        var ends = Builder.Initializer($"{scope}crop.ends", [(long)y1, x1], 2);
        var axes = Builder.Initializer($"{scope}crop.axes", [2L, 3L], 2);
        return Builder.Node("Slice", $"{scope}crop", [input, starts, ends, axes]);
    }

    private string Block(ResidualBlock block, string input, string name, string weightName)
    {
        var x = Builder.Node("Relu", $"{name}.relu1", [ConvBatchNorm(block.First, input, $"{name}.conv1", $"{weightName}.conv1")]);
        x = ConvBatchNorm(block.Second, x, $"{name}.conv2", $"{weightName}.conv2");
        var shortcut = block.Shortcut is null ? input : ConvBatchNorm(block.Shortcut, input, $"{name}.shortcut", $"{weightName}.shortcut");
        x = Builder.Node("Add", $"{name}.add", [x, shortcut]);
        return Builder.Node("Relu", $"{name}.relu2", [x]);
    }

    private string ConvBatchNorm(ConvBatchNorm layer, string input, string name, string weightName)
    {
        var (weight, bias) = Weights(layer, () => Fold(layer), weightName);
        return Builder.Node("Conv", name, [input, weight, bias],
            Ints("kernel_shape", layer.KernelSize, layer.KernelSize),
            Ints("strides", layer.Stride, layer.Stride),
            Ints("pads", layer.Padding.ToOnnx()),
            Ints("dilations", 1, 1),
            Int("group", 1));
    }

    private (string Weight, string Bias) Weights(object module, Func<(FloatTensor Weight, FloatTensor Bias)> values, string name)
    {
        if (_weights.TryGetValue(module, out var names)) return names;
        var (weight, bias) = values();
        names = (Builder.Initializer($"{name}.weight", weight.Values, weight.Dims), Builder.Initializer($"{name}.bias", bias.Values, bias.Dims));
        _weights[module] = names;
        return names;
    }

    private static FloatTensor Values(Tensor tensor)
    {
        using var scope = NewDisposeScope();
        var values = tensor.detach().to_type(ScalarType.Float32).cpu().contiguous();
        return new FloatTensor(values.data<float>().ToArray(), values.shape);
    }

    /// <summary>
    /// BatchNorm folded into the convolution, in double precision: with s = γ/√(σ²+ε),
    /// W' = W·s per output channel and b' = β − μ·s.
    /// </summary>
    private static (FloatTensor Weight, FloatTensor Bias) Fold(ConvBatchNorm layer)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var norm = layer.Norm;
        var scale = norm.weight!.to_type(ScalarType.Float64) / (norm.running_var!.to_type(ScalarType.Float64) + norm.eps).sqrt();
        var weight = layer.Conv.weight!.to_type(ScalarType.Float64) * scale.view(-1, 1, 1, 1);
        var bias = norm.bias!.to_type(ScalarType.Float64) - norm.running_mean!.to_type(ScalarType.Float64) * scale;
        return (Values(weight), Values(bias));
    }

    private sealed record FloatTensor(float[] Values, long[] Dims);
}
