using TorchSharp;
using static TorchSharp.torch;

namespace ColorVariants.Training.Augment;

/// <summary>Mirrors a sample left-right with probability <paramref name="Probability"/>.</summary>
public sealed record RandomHorizontalFlip(double Probability = 0.5) : IBatchAugmentation
{
    public Tensor Apply(Tensor images, Generator generator)
    {
        using var scope = torch.NewDisposeScope();
        var chosen = RandomDraw.PerSample(RandomDraw.Chance(generator, images.shape[0], Probability, images.device));
        return torch.where(chosen, images.flip(3), images).MoveToOuterDisposeScope();
    }
}
