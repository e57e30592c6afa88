using ColorVariants.Core.Parts;
using static TorchSharp.torch;

namespace ColorVariants.Training.Augment;

/// <summary>Core's fixed <see cref="PartCrop"/>s cut from a square batch [B,C,S,S], through <see cref="PartCrop.ToPixels"/>.</summary>
public static class PartCrops
{
    /// <summary>A view (no copy, not contiguous) of the part: [B,C,Y1-Y0,X1-X0]. Dispose it; the batch stays.</summary>
    public static Tensor Crop(Tensor images, PartCrop part)
    {
        var size = images.shape[3];
        if (images.shape[2] != size) throw new ArgumentException($"Expected square pictures, got {images.shape[2]}x{size}.", nameof(images));
        var (y0, y1, x0, x1) = part.ToPixels((int)size);
        using var rows = images.narrow(2, y0, y1 - y0);
        return rows.narrow(3, x0, x1 - x0);
    }

    public static Tensor[] CropAll(Tensor images, IReadOnlyList<PartCrop> parts) =>
        parts.Select(part => Crop(images, part)).ToArray();
}
