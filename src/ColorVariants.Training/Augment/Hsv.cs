using TorchSharp;
using static TorchSharp.torch;

namespace ColorVariants.Training.Augment;

/// <summary>Hue rotation through RGB → HSV → RGB in tensor ops (the hexcone model, H in turns).</summary>
public static class Hsv
{
    /// <summary>Rotates the hue of every pixel of sample i by <paramref name="turns"/>[i] (1 = a full turn).</summary>
    /// <param name="rgb">[B,3,H,W] float on 0-255.</param>
    /// <param name="turns">[B] float.</param>
    public static Tensor ShiftHue(Tensor rgb, Tensor turns)
    {
        using var scope = torch.NewDisposeScope();
        var (h, s, v) = FromRgb(rgb / 255.0);
        var shifted = (h + turns.view(-1, 1, 1)).remainder(1.0);
        return (ToRgb(shifted, s, v) * 255.0).clamp(0, 255).MoveToOuterDisposeScope();
    }

    /// <summary>[B,3,H,W] RGB on 0-1 to hue (turns, 0-1), saturation and value, each [B,H,W].</summary>
    public static (Tensor H, Tensor S, Tensor V) FromRgb(Tensor rgb01)
    {
        using var scope = torch.NewDisposeScope();
        var r = rgb01.select(1, 0);
        var g = rgb01.select(1, 1);
        var b = rgb01.select(1, 2);
        var max = rgb01.amax([1]);
        var min = rgb01.amin([1]);
        var grey = max.eq(min);
        var chroma = max - min;
        var ones = torch.ones_like(max);
        // Where max == min the hue is undefined: divide by 1 instead of 0 and let it be 0.
        var saturation = chroma / torch.where(grey, ones, max);
        var safeChroma = torch.where(grey, ones, chroma);
        var rc = (max - r) / safeChroma;
        var gc = (max - g) / safeChroma;
        var bc = (max - b) / safeChroma;
        var isR = max.eq(r);
        var isG = max.eq(g).logical_and(isR.logical_not());
        var isB = isR.logical_or(isG).logical_not();
        var hue = isR.to_type(ScalarType.Float32) * (bc - gc)
                  + isG.to_type(ScalarType.Float32) * (rc - bc + 2.0)
                  + isB.to_type(ScalarType.Float32) * (gc - rc + 4.0);
        hue = (hue / 6.0 + 1.0).remainder(1.0);
        hue = torch.where(grey, torch.zeros_like(hue), hue);
        return (hue.MoveToOuterDisposeScope(), saturation.MoveToOuterDisposeScope(), max.MoveToOuterDisposeScope());
    }

    /// <summary>Hue (turns), saturation and value, each [B,H,W], to [B,3,H,W] RGB on 0-1.</summary>
    public static Tensor ToRgb(Tensor hue, Tensor saturation, Tensor value)
    {
        using var scope = torch.NewDisposeScope();
        var h6 = hue * 6.0;
        var sector = h6.floor();
        var f = h6 - sector;
        var p = (value * (1.0 - saturation)).clamp(0, 1);
        var q = (value * (1.0 - saturation * f)).clamp(0, 1);
        var t = (value * (1.0 - saturation * (1.0 - f))).clamp(0, 1);
        // One-hot of the sector (0-5) picks each channel's formula.
        var sectors = torch.arange(6, ScalarType.Float32, hue.device).view(1, 6, 1, 1);
        var pick = sector.remainder(6.0).unsqueeze(1).eq(sectors).to_type(ScalarType.Float32);
        var red = (pick * torch.stack([value, q, p, p, t, value], 1)).sum(1);
        var green = (pick * torch.stack([t, value, value, q, p, p], 1)).sum(1);
        var blue = (pick * torch.stack([p, p, t, value, value, q], 1)).sum(1);
        return torch.stack([red, green, blue], 1).MoveToOuterDisposeScope();
    }
}
