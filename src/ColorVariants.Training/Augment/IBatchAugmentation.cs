using static TorchSharp.torch;

namespace ColorVariants.Training.Augment;

/// <summary>
/// A random transform of a float32 RGB batch [B,3,H,W] on the 0-255 scale. It returns a new tensor
/// (the input is never changed) on the input's device, and draws all its randomness, per sample,
/// from <paramref name="generator"/>, so a seeded generator replays it exactly.
/// </summary>
public interface IBatchAugmentation
{
    Tensor Apply(Tensor images, Generator generator);
}
