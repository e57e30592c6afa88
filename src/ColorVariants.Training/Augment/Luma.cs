using ColorVariants.Core.Images;
using static TorchSharp.torch;

namespace ColorVariants.Training.Augment;

/// <summary>BT.601 luma with Core's <see cref="PreprocessingSpec.LumaWeights"/>, summed in TensorWriter's order.</summary>
internal static class Luma
{
    /// <summary>[B,3,H,W] RGB to [B,1,H,W] luma.</summary>
    public static Tensor Of(Tensor rgb)
    {
        var w = PreprocessingSpec.LumaWeights;
        using var r = rgb.narrow(1, 0, 1);
        using var g = rgb.narrow(1, 1, 1);
        using var b = rgb.narrow(1, 2, 1);
        using var wr = r * w[0];
        using var wg = g * w[1];
        using var wb = b * w[2];
        using var rg = wr + wg;
        return rg + wb;
    }

    /// <summary>[B,3,H,W] with the luma in all three channels.</summary>
    public static Tensor Gray3(Tensor rgb)
    {
        using var luma = Of(rgb);
        return luma.expand(rgb.shape).contiguous();
    }
}
