using TorchSharp;
using static TorchSharp.torch;

namespace ColorVariants.Training.Augment;

/// <summary>Steps applied in order; each step's output feeds the next.</summary>
public sealed class AugmentationPipeline(IReadOnlyList<IBatchAugmentation> steps) : IBatchAugmentation
{
    public IReadOnlyList<IBatchAugmentation> Steps { get; } = steps;

    /// <summary>
    /// The paper's views of FIXED parts: strong colour jitter and random grayscale (and, optionally,
    /// a mirror, which keeps the design), never a random crop. Apply to whole pictures, then crop the parts.
    /// </summary>
    public static AugmentationPipeline Cvssl(double strength = 1.0, double grayscale = 0.2, bool flip = true) =>
        new(flip
            ? [new RandomHorizontalFlip(), ColorJitter.Strong(strength), new RandomGrayscale(grayscale)]
            : [ColorJitter.Strong(strength), new RandomGrayscale(grayscale)]);

    /// <summary>SimCLR's baseline views: random resized crop, flip, strong colour jitter, random grayscale.</summary>
    public static AugmentationPipeline SimClr(int size, double strength = 1.0) =>
        new([new RandomResizedCrop(size), new RandomHorizontalFlip(), ColorJitter.Strong(strength), new RandomGrayscale(0.2)]);

    public Tensor Apply(Tensor images, Generator generator)
    {
        using var scope = torch.NewDisposeScope();
        var x = images;
        foreach (var step in Steps) x = step.Apply(x, generator);
        return (ReferenceEquals(x, images) ? images.clone() : x).MoveToOuterDisposeScope();
    }
}
