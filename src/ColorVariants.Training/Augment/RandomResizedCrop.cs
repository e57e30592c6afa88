using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace ColorVariants.Training.Augment;

/// <summary>
/// The SimCLR baseline's random crop, resized to <paramref name="Size"/>: per sample an area
/// fraction from [MinScale, MaxScale] and an aspect ratio log-uniform in [MinRatio, MaxRatio],
/// placed uniformly, sampled bilinearly through affine_grid + grid_sample. Where a drawn side would
/// exceed the picture it is clamped to it (torchvision redraws instead; the difference only touches
/// extreme ratios at large scales). Written for square inputs, which is what the cache holds.
/// </summary>
public sealed record RandomResizedCrop(int Size, double MinScale = 0.08, double MaxScale = 1.0,
    double MinRatio = 3.0 / 4.0, double MaxRatio = 4.0 / 3.0) : IBatchAugmentation
{
    public Tensor Apply(Tensor images, Generator generator)
    {
        if (MinScale <= 0 || MaxScale > 1 || MinScale > MaxScale || MinRatio <= 0 || MinRatio > MaxRatio)
            throw new InvalidOperationException("Need 0 < MinScale <= MaxScale <= 1 and 0 < MinRatio <= MaxRatio.");
        using var scope = torch.NewDisposeScope();
        var n = images.shape[0];
        var device = images.device;
        var scale = RandomDraw.Uniform(generator, n, MinScale, MaxScale, device);
        var ratio = RandomDraw.Uniform(generator, n, Math.Log(MinRatio), Math.Log(MaxRatio), device).exp();
        // Crop width and height as fractions of the side; area = scale, width / height = ratio.
        var width = (scale * ratio).sqrt().clamp_max(1.0);
        var height = (scale / ratio).sqrt().clamp_max(1.0);
        // Centres in grid coordinates ([-1, 1] spans the picture), keeping the crop inside.
        var centreX = RandomDraw.Uniform(generator, n, -1, 1, device) * (1.0 - width);
        var centreY = RandomDraw.Uniform(generator, n, -1, 1, device) * (1.0 - height);
        var zero = torch.zeros_like(width);
        var theta = torch.stack([torch.stack([width, zero, centreX], 1), torch.stack([zero, height, centreY], 1)], 1);
        var grid = F.affine_grid(theta, [n, images.shape[1], Size, Size], align_corners: false);
        var crops = F.grid_sample(images, grid, GridSampleMode.Bilinear, GridSamplePaddingMode.Border, align_corners: false);
        return crops.clamp(0, 255).MoveToOuterDisposeScope();
    }
}
