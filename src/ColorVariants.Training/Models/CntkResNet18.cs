using ColorVariants.Inference.Onnx;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ColorVariants.Training.Models;

/// <summary>
/// The ImageNet ResNet18 of CNTK's ONNX export (the default model), rebuilt in TorchSharp so it
/// can be fine-tuned: input [B,3,H,W] preprocessed as <c>PreprocessingSpec.CntkResNet</c> says,
/// output the globally average-pooled features [B,512]. Its asymmetric pads and its three blocks
/// in layer4 follow the CNTK graph exactly.
/// </summary>
public sealed class CntkResNet18 : nn.Module<Tensor, Tensor>
{
    public const int FeatureSize = 512;
    /// <summary>The stem, then layer1 to layer4: what <see cref="Freeze"/> counts.</summary>
    public const int StageCount = 5;
    public static IReadOnlyList<int> BlocksPerLayer { get; } = [2, 2, 2, 3];
    public static IReadOnlyList<int> LayerWidths { get; } = [64, 128, 256, 512];
    public static EdgePadding StemPadding { get; } = new(3, 3, 2, 2);
    public static EdgePadding MaxPoolPadding { get; } = new(1, 1, 0, 0);
    public const int MaxPoolKernel = 3;
    public const int MaxPoolStride = 2;

    private readonly ModuleList<ResidualBlock>[] _layers;
    private readonly ResidualBlock[][] _blocks;

    /// <summary>A randomly initialised network (He-normal convolutions, as torchvision's ResNet), deterministic for a seed.</summary>
    public CntkResNet18(long seed = 0)
        : base(nameof(CntkResNet18))
    {
        Stem = new ConvBatchNorm(3, 64, 7, 2, StemPadding);
        register_module("stem", Stem);
        _layers = new ModuleList<ResidualBlock>[BlocksPerLayer.Count];
        _blocks = new ResidualBlock[BlocksPerLayer.Count][];
        var channels = 64;
        for (var layer = 0; layer < BlocksPerLayer.Count; layer++)
        {
            var width = LayerWidths[layer];
            _blocks[layer] = Enumerable.Range(0, BlocksPerLayer[layer])
                .Select(i => new ResidualBlock(i == 0 ? channels : width, width, i == 0 && layer > 0 ? 2 : 1))
                .ToArray();
            _layers[layer] = new ModuleList<ResidualBlock>(_blocks[layer]);
            register_module($"layer{layer + 1}", _layers[layer]);
            channels = width;
        }
        Initialise(seed);
    }

    public ConvBatchNorm Stem { get; }
    public IReadOnlyList<IReadOnlyList<ResidualBlock>> Layers => _blocks;
    /// <summary>Every conv+BN layer, the stem first.</summary>
    public IEnumerable<ConvBatchNorm> ConvBatchNorms => _blocks.SelectMany(l => l).SelectMany(b => b.ConvBatchNorms).Prepend(Stem);

    /// <summary>How many stages, from the stem on, <see cref="Freeze"/> has frozen.</summary>
    public int FrozenStages { get; private set; }

    /// <summary>Maps the initializers of CNTK's ResNet18 ONNX file onto a new network; see <see cref="CntkResNetGraph"/>.</summary>
    public static CntkResNet18 FromOnnx(string path)
    {
        var graph = CntkResNetGraph.Read(OnnxModelFile.Load(path));
        var network = new CntkResNet18();
        graph.CopyInto(network);
        return network;
    }

    /// <summary>
    /// Freezes the first <paramref name="stages"/> stages (1 = the stem, 2 = the stem and layer1,
    /// ... 5 = all): their parameters stop taking gradients and their BatchNorms keep their
    /// running statistics, even in training mode; the rest is unfrozen. 0 unfreezes everything.
    /// </summary>
    public void Freeze(int stages)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(stages);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(stages, StageCount);
        FrozenStages = stages;
        for (var stage = 0; stage < StageCount; stage++)
        {
            foreach (var parameter in StageModule(stage).parameters())
                parameter.requires_grad = stage >= stages;
        }
        train(training);
    }

    /// <summary>Frozen stages stay in evaluation mode, so their BatchNorms neither use batch statistics nor update.</summary>
    public override void train(bool train = true)
    {
        base.train(train);
        for (var stage = 0; stage < FrozenStages; stage++) StageModule(stage).eval();
    }

    public override Tensor forward(Tensor input)
    {
        CheckInputSize(input.shape[^2], input.shape[^1]);
        using var scope = NewDisposeScope();
        var x = input;
        // Frozen stages need no autograd graph: skipping it saves most of a CPU step's memory.
        using (FrozenStages > 0 && !input.requires_grad ? no_grad() : null)
        {
            for (var stage = 0; stage < FrozenStages; stage++) x = RunStage(stage, x);
        }
        for (var stage = FrozenStages; stage < StageCount; stage++) x = RunStage(stage, x);
        return scope.MoveToOuter(nn.functional.adaptive_avg_pool2d(x, 1).flatten(1));
    }

    /// <summary>
    /// Runs stages <paramref name="from"/> to <paramref name="to"/> - 1 (0 the stem, 1-4 layer1 to
    /// layer4) on <paramref name="x"/>: the input for stage 0 is the picture, for a later stage the map
    /// the stage before it gives. What a cache of the first stages' maps feeds the rest with.
    /// </summary>
    public Tensor ForwardStages(Tensor x, int from, int to)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(from);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(to, StageCount);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(from, to);
        if (from == 0) CheckInputSize(x.shape[^2], x.shape[^1]);
        using var scope = NewDisposeScope();
        for (var stage = from; stage < to; stage++) x = RunStage(stage, x);
        return scope.MoveToOuter(x);
    }

    /// <summary>The shape [C,H,W] of stage <paramref name="stage"/>'s output for a square input of <paramref name="side"/> pixels.</summary>
    public static (int Channels, int Height, int Width) StageOutput(int stage, int side)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(stage);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(stage, StageCount);
        CheckInputSize(side, side);
        var stem = EdgePadding.OutputLength(side, 7, 2, StemPadding.Top, StemPadding.Bottom);
        var pooled = (int)EdgePadding.OutputLength(stem, MaxPoolKernel, MaxPoolStride, MaxPoolPadding.Top, MaxPoolPadding.Bottom);
        return stage == 0 ? (64, pooled, pooled) : (LayerWidths[stage - 1], pooled >> (stage - 1), pooled >> (stage - 1));
    }

    /// <summary>
    /// Whether an input of this size runs: CNTK's stride-2 convolutions give floor(n/2) where the
    /// 1x1 shortcuts give ceil(n/2), so the maps entering layer2 to layer4 must have even sides,
    /// i.e. the map after the max pool a multiple of 8 (any multiple of 32 as input; not a 112-pixel half of 224).
    /// </summary>
    public static bool AcceptsInputSize(long height, long width) => Fits(height, vertical: true) && Fits(width, vertical: false);

    public static void CheckInputSize(long height, long width)
    {
        if (!AcceptsInputSize(height, width))
            throw new ArgumentException(
                $"CNTK's ResNet18 cannot take a {height}x{width} input: after its max pool each side must be a multiple of 8 " +
                "(e.g. an input side that is a multiple of 32).");
    }

    private static bool Fits(long length, bool vertical)
    {
        var stem = vertical
            ? EdgePadding.OutputLength(length, 7, 2, StemPadding.Top, StemPadding.Bottom)
            : EdgePadding.OutputLength(length, 7, 2, StemPadding.Left, StemPadding.Right);
        var pooled = vertical
            ? EdgePadding.OutputLength(stem, MaxPoolKernel, MaxPoolStride, MaxPoolPadding.Top, MaxPoolPadding.Bottom)
            : EdgePadding.OutputLength(stem, MaxPoolKernel, MaxPoolStride, MaxPoolPadding.Left, MaxPoolPadding.Right);
        return stem >= 1 && pooled >= 8 && pooled % 8 == 0;
    }

    private nn.Module StageModule(int stage) => stage == 0 ? Stem : _layers[stage - 1];

    private Tensor RunStage(int stage, Tensor x)
    {
        if (stage > 0)
        {
            foreach (var block in _blocks[stage - 1]) x = block.call(x);
            return x;
        }
        var stem = nn.functional.relu(Stem.call(x));
        // Max pooling ignores padding, as ONNX's does: pad with -inf, never the maximum.
        var padded = nn.functional.pad(stem, MaxPoolPadding.ToTorch(), value: double.NegativeInfinity);
        return nn.functional.max_pool2d(padded, MaxPoolKernel, MaxPoolStride);
    }

    private void Initialise(long seed)
    {
        using var generator = new Generator((ulong)seed, CPU);
        using var _ = no_grad();
        foreach (var layer in ConvBatchNorms)
        {
            var weight = layer.Conv.weight!;
            var fanOut = weight.shape[0] * weight.shape[2] * weight.shape[3];
            // Tensor.normal_, not nn.init.normal_: TorchSharp 0.107's nn.init ignores the generator.
            weight.normal_(0, Math.Sqrt(2.0 / fanOut), generator);
            nn.init.ones_(layer.Norm.weight!);
            nn.init.zeros_(layer.Norm.bias!);
        }
    }
}
