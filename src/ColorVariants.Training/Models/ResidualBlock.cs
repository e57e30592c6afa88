using TorchSharp;
using static TorchSharp.torch;

namespace ColorVariants.Training.Models;

/// <summary>
/// ResNet's basic block: two 3x3 conv+BN with a ReLU between, added to the input (or, when the
/// block halves the map or changes its width, to a 1x1 stride-2 conv+BN of it), then a ReLU.
/// </summary>
public sealed class ResidualBlock : nn.Module<Tensor, Tensor>
{
    /// <summary>CNTK pads its stride-2 3x3 convolutions at the top and left only.</summary>
    public static EdgePadding DownsamplingPadding { get; } = new(1, 1, 0, 0);

    public ResidualBlock(int inChannels, int outChannels, int stride)
        : base(nameof(ResidualBlock))
    {
        First = new ConvBatchNorm(inChannels, outChannels, 3, stride, stride == 1 ? EdgePadding.Uniform(1) : DownsamplingPadding);
        Second = new ConvBatchNorm(outChannels, outChannels, 3, 1, EdgePadding.Uniform(1));
        register_module("conv1", First);
        register_module("conv2", Second);
        if (stride != 1 || inChannels != outChannels)
        {
            Shortcut = new ConvBatchNorm(inChannels, outChannels, 1, stride, EdgePadding.None);
            register_module("shortcut", Shortcut);
        }
    }

    public ConvBatchNorm First { get; }
    public ConvBatchNorm Second { get; }
    /// <summary>Null where the input is added as it is.</summary>
    public ConvBatchNorm? Shortcut { get; }

    public IEnumerable<ConvBatchNorm> ConvBatchNorms => Shortcut is null ? [First, Second] : [First, Second, Shortcut];

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var main = Second.call(nn.functional.relu(First.call(input)));
        var sum = main.add(Shortcut is null ? input : Shortcut.call(input));
        return scope.MoveToOuter(nn.functional.relu(sum));
    }
}
