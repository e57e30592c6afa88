using TorchSharp;
using static TorchSharp.torch;

namespace ColorVariants.Training.Augment;

/// <summary>
/// Random brightness, contrast, saturation and hue per sample, as torchvision's ColorJitter defines
/// them: factors drawn from [max(0, 1 - s), 1 + s], a hue shift from [-hue, hue] turns (hue &lt;= 0.5).
/// The four run in one random order per batch; a sample is jittered with <paramref name="Probability"/>
/// and left as it was otherwise. A strength of 0 skips its step, so all zeros is the identity.
/// </summary>
public sealed record ColorJitter(double Brightness, double Contrast, double Saturation, double Hue, double Probability = 1.0)
    : IBatchAugmentation
{
    /// <summary>SimCLR's "strong" colour distortion, scaled by <paramref name="strength"/>, applied with p = 0.8.</summary>
    public static ColorJitter Strong(double strength = 1.0) =>
        new(0.8 * strength, 0.8 * strength, 0.8 * strength, Math.Min(0.5, 0.2 * strength), 0.8);

    public Tensor Apply(Tensor images, Generator generator)
    {
        if (Brightness < 0 || Contrast < 0 || Saturation < 0 || Hue is < 0 or > 0.5)
            throw new InvalidOperationException("Jitter strengths must be >= 0 and hue <= 0.5.");
        using var scope = torch.NewDisposeScope();
        var n = images.shape[0];
        var device = images.device;
        var x = images;
        var order = torch.randperm(4, ScalarType.Int64, generator.device, generator: generator).cpu();
        foreach (var step in order.data<long>().ToArray())
        {
            x = step switch
            {
                0 when Brightness > 0 => (x * RandomDraw.PerSample(Factors(generator, n, Brightness, device))).clamp_(0, 255),
                1 when Contrast > 0 => Blend(x, Luma.Of(x).mean([1, 2, 3], keepdim: true), Factors(generator, n, Contrast, device)),
                2 when Saturation > 0 => Blend(x, Luma.Of(x), Factors(generator, n, Saturation, device)),
                3 when Hue > 0 => Hsv.ShiftHue(x, RandomDraw.Uniform(generator, n, -Hue, Hue, device)),
                _ => x,
            };
        }
        var chosen = RandomDraw.PerSample(RandomDraw.Chance(generator, n, Probability, device));
        return torch.where(chosen, x, images).MoveToOuterDisposeScope();
    }

    private static Tensor Factors(Generator generator, long n, double strength, Device device) =>
        RandomDraw.Uniform(generator, n, Math.Max(0, 1 - strength), 1 + strength, device);

    /// <summary>factor * x + (1 - factor) * other, clamped to the pixel range: one fused lerp.</summary>
    private static Tensor Blend(Tensor x, Tensor other, Tensor factors) =>
        other.lerp(x, RandomDraw.PerSample(factors)).clamp_(0, 255);
}
