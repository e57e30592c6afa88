using ColorVariants.Core.Images;
using TorchSharp;
using static TorchSharp.torch;

namespace ColorVariants.Training.Augment;

/// <summary>
/// RGB 0-255 batches to a model's input exactly as Core's <see cref="TensorWriter"/> writes it for
/// serving (gray mode, channel order, (pixel - mean) / std), so training and serving see one input.
/// </summary>
public static class ModelInput
{
    /// <param name="rgb">float32 [B,3,H,W] RGB on 0-255 (any H, W: parts too; the spec's size is not checked).</param>
    public static Tensor From(Tensor rgb, PreprocessingSpec spec)
    {
        using var scope = torch.NewDisposeScope();
        var pixels = spec.ColourMode switch
        {
            ColourMode.Gray => Luma.Gray3(rgb),
            ColourMode.Rgb => rgb,
            var other => throw new NotSupportedException($"Training does not feed {other} input yet; train gray or rgb."),
        };
        // Input channel c reads pixel channel c (RGB) or 2 - c (BGR), as TensorWriter does.
        var ordered = spec.ChannelOrder == ChannelOrder.Bgr ? pixels.flip(1) : pixels;
        // TensorWriter multiplies by a float reciprocal of std; so does this, for equal rounding.
        var mean = torch.tensor(spec.Mean, [1, 3, 1, 1], ScalarType.Float32, rgb.device);
        var scale = torch.tensor(spec.Std.Select(s => 1f / s).ToArray(), [1, 3, 1, 1], ScalarType.Float32, rgb.device);
        return ((ordered - mean) * scale).MoveToOuterDisposeScope();
    }
}
