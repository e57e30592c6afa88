using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ColorVariants.Training.Models;

/// <summary>
/// Maps pooled backbone features to the embedding: Linear → ReLU → Linear (SimCLR's projection
/// head), or a single Linear when <see cref="HiddenSize"/> is 0. Not normalised.
/// </summary>
public sealed class ProjectionHead : nn.Module<Tensor, Tensor>
{
    public const int DefaultHiddenSize = CntkResNet18.FeatureSize;
    public const int DefaultOutputSize = 128;

    /// <summary>Initialised as torch's Linear (uniform in ±1/sqrt(fan in)) but from <paramref name="seed"/>.</summary>
    public ProjectionHead(long seed, int hiddenSize = DefaultHiddenSize, int outputSize = DefaultOutputSize, int inputSize = CntkResNet18.FeatureSize)
        : this(Seeded(seed), hiddenSize, outputSize, inputSize, ownsGenerator: true)
    {
    }

    /// <summary>Draws its initial weights from <paramref name="generator"/>, so several heads can share one seed.</summary>
    public ProjectionHead(Generator generator, int hiddenSize = DefaultHiddenSize, int outputSize = DefaultOutputSize, int inputSize = CntkResNet18.FeatureSize)
        : this(generator, hiddenSize, outputSize, inputSize, ownsGenerator: false)
    {
    }

    private ProjectionHead(Generator generator, int hiddenSize, int outputSize, int inputSize, bool ownsGenerator)
        : base(nameof(ProjectionHead))
    {
        ArgumentOutOfRangeException.ThrowIfNegative(hiddenSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outputSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputSize);
        try
        {
            InputSize = inputSize;
            HiddenSize = hiddenSize;
            OutputSize = outputSize;
            Layers = hiddenSize == 0
                ? [Initialised(nn.Linear(inputSize, outputSize), generator)]
                : [Initialised(nn.Linear(inputSize, hiddenSize), generator), Initialised(nn.Linear(hiddenSize, outputSize), generator)];
            for (var i = 0; i < Layers.Count; i++) register_module($"linear{i + 1}", Layers[i]);
        }
        finally
        {
            if (ownsGenerator) generator.Dispose();
        }
    }

    public int InputSize { get; }
    /// <summary>0: a single Linear.</summary>
    public int HiddenSize { get; }
    public int OutputSize { get; }
    /// <summary>The Linear layers in order, with a ReLU between consecutive ones.</summary>
    public IReadOnlyList<Linear> Layers { get; }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = Layers[0].call(input);
        for (var i = 1; i < Layers.Count; i++) x = Layers[i].call(nn.functional.relu(x));
        return scope.MoveToOuter(x);
    }

    private static Generator Seeded(long seed) => new((ulong)seed, CPU);

    private static Linear Initialised(Linear linear, Generator generator)
    {
        var bound = 1.0 / Math.Sqrt(linear.in_features);
        using var _ = no_grad();
        // Tensor.uniform_, not nn.init.uniform_: TorchSharp 0.107's nn.init ignores the generator.
        linear.weight!.uniform_(-bound, bound, generator);
        linear.bias!.uniform_(-bound, bound, generator);
        return linear;
    }
}
