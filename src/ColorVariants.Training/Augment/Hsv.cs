using TorchSharp;
using static TorchSharp.torch;

namespace ColorVariants.Training.Augment;

/// <summary>
/// Hue rotation through RGB → HSV → RGB in tensor ops (the hexcone model, hue in turns). Works on any
/// pixel scale: hue and saturation do not depend on it and value keeps it. Written with few
/// full-size ops, since it runs on every training batch.
/// </summary>
public static class Hsv
{
    private const double Tiny = 1e-12;

    /// <summary>Rotates the hue of every pixel of sample i by <paramref name="turns"/>[i] (1 = a full turn).</summary>
    /// <param name="rgb">[B,3,H,W] float on 0-255.</param>
    /// <param name="turns">[B] float.</param>
    public static Tensor ShiftHue(Tensor rgb, Tensor turns)
    {
        using var scope = torch.NewDisposeScope();
        var (h, s, v) = FromRgb(rgb);
        h.add_(turns.view(-1, 1, 1)); // ToRgb wraps it into [0, 1)
        return ToRgb(h, s, v).clamp_(0, 255).MoveToOuterDisposeScope();
    }

    /// <summary>[B,3,H,W] RGB to hue (turns, in [0, 1)), saturation (0-1) and value (the input's scale), each [B,H,W].</summary>
    public static (Tensor H, Tensor S, Tensor V) FromRgb(Tensor rgb)
    {
        using var scope = torch.NewDisposeScope();
        var r = rgb.select(1, 0);
        var g = rgb.select(1, 1);
        var b = rgb.select(1, 2);
        var max = rgb.amax([1]);
        var chroma = max - rgb.amin([1]);
        // Grey pixels (chroma 0) have g - b = 0 etc., so the floor only avoids 0/0: their hue comes out 0.
        var saturation = chroma / max.clamp_min(Tiny);
        var perChroma = chroma.clamp_min(Tiny).reciprocal_();
        // Sector offsets 0, 2, 4 (in sixths) where red, green or blue is the largest channel.
        var fromRed = (g - b).mul_(perChroma);
        var fromGreen = (b - r).mul_(perChroma).add_(2.0);
        var fromBlue = (r - g).mul_(perChroma).add_(4.0);
        var hue = torch.where(max.eq(r), fromRed, torch.where(max.eq(g), fromGreen, fromBlue));
        hue = hue.div_(6.0).remainder(1.0);
        return (hue.MoveToOuterDisposeScope(), saturation.MoveToOuterDisposeScope(), max.MoveToOuterDisposeScope());
    }

    /// <summary>Hue (turns, any real: wrapped), saturation and value, each [B,H,W], to [B,3,H,W] RGB on value's scale.</summary>
    public static Tensor ToRgb(Tensor hue, Tensor saturation, Tensor value)
    {
        using var scope = torch.NewDisposeScope();
        // Channel n (R: 5, G: 3, B: 1): v - v s clamp(min(k, 4 - k), 0, 1) with k = (n + 6 h) mod 6.
        var h6 = hue * 6.0;
        var chroma = value * saturation;
        Tensor Channel(double n)
        {
            var k = (h6 + n).remainder_(6.0);
            var ramp = torch.minimum(k, 4.0 - k).clamp_(0, 1);
            return value - ramp.mul_(chroma);
        }
        return torch.stack([Channel(5), Channel(3), Channel(1)], 1).MoveToOuterDisposeScope();
    }
}
