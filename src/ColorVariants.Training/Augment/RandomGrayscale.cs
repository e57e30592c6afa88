using TorchSharp;
using static TorchSharp.torch;

namespace ColorVariants.Training.Augment;

/// <summary>Replaces a sample, with probability <paramref name="Probability"/>, by its luma in all three channels.</summary>
public sealed record RandomGrayscale(double Probability = 0.2) : IBatchAugmentation
{
    public Tensor Apply(Tensor images, Generator generator)
    {
        using var scope = torch.NewDisposeScope();
        var chosen = RandomDraw.PerSample(RandomDraw.Chance(generator, images.shape[0], Probability, images.device));
        return torch.where(chosen, Luma.Gray3(images), images).MoveToOuterDisposeScope();
    }
}
