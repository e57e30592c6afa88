using TorchSharp;
using static TorchSharp.torch;

namespace ColorVariants.Training.Augment;

/// <summary>Per-sample random numbers from a generator, drawn on the generator's device and moved to the data's.</summary>
internal static class RandomDraw
{
    /// <summary>[n] float32 uniform on [low, high).</summary>
    public static Tensor Uniform(Generator generator, long n, double low, double high, Device device)
    {
        // libtorch wants the generator and the output on one device.
        using var unit = torch.rand(n, ScalarType.Float32, generator.device, generator: generator);
        unit.mul_(high - low).add_(low);
        return unit.to(device, copy: true);
    }

    /// <summary>[n] bool, each true with probability <paramref name="p"/>.</summary>
    public static Tensor Chance(Generator generator, long n, double p, Device device)
    {
        using var unit = torch.rand(n, ScalarType.Float32, generator.device, generator: generator);
        using var chosen = unit.lt(p);
        return chosen.to(device);
    }

    /// <summary>A [n] vector reshaped to broadcast over [n,C,H,W].</summary>
    public static Tensor PerSample(Tensor values) => values.view(-1, 1, 1, 1);
}
