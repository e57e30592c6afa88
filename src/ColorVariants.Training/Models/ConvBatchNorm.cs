using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ColorVariants.Training.Models;

/// <summary>
/// A bias-free square convolution followed by BatchNorm (epsilon 1e-5), as every CNTK ResNet
/// layer is; <see cref="Padding"/> may be asymmetric, as the ONNX graph has it.
/// </summary>
public sealed class ConvBatchNorm : nn.Module<Tensor, Tensor>
{
    public const double Epsilon = 1e-5;

    public ConvBatchNorm(int inChannels, int outChannels, int kernelSize, int stride, EdgePadding padding)
        : base(nameof(ConvBatchNorm))
    {
        KernelSize = kernelSize;
        Stride = stride;
        Padding = padding;
        // Uniform padding goes to the convolution itself; asymmetric padding is an explicit pad first.
        Conv = nn.Conv2d(inChannels, outChannels, kernelSize, stride, padding.IsUniform ? padding.Top : 0, bias: false);
        Norm = nn.BatchNorm2d(outChannels, eps: Epsilon);
        register_module("conv", Conv);
        register_module("bn", Norm);
    }

    public Conv2d Conv { get; }
    public BatchNorm2d Norm { get; }
    public int KernelSize { get; }
    public int Stride { get; }
    public EdgePadding Padding { get; }
    public int InChannels => (int)Conv.in_channels;
    public int OutChannels => (int)Conv.out_channels;

    public override Tensor forward(Tensor input)
    {
        if (Padding.IsUniform) return Norm.call(Conv.call(input));
        using var padded = nn.functional.pad(input, Padding.ToTorch());
        return Norm.call(Conv.call(padded));
    }

    public long OutputLength(long length, bool vertical) => vertical
        ? EdgePadding.OutputLength(length, KernelSize, Stride, Padding.Top, Padding.Bottom)
        : EdgePadding.OutputLength(length, KernelSize, Stride, Padding.Left, Padding.Right);
}
