using ColorVariants.Core.Parts;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ColorVariants.Training.Models;

/// <summary>
/// The paper's cvssl model: one shared backbone sees each fixed part of the picture (Core's
/// <see cref="PartCrop"/>, cut from the input at <see cref="PartCrop.ToPixels"/> of
/// <see cref="InputSize"/>), and each part has its own projection head.
/// <see cref="forward"/> gives the per-part unit vectors for the loss; <see cref="Embed"/> gives
/// what serving uses, their normalised concatenation.
/// </summary>
public sealed class PartEmbeddingNet : nn.Module<Tensor, Tensor>
{
    private readonly ProjectionHead[] _heads;

    /// <summary>
    /// Why <paramref name="parts"/> cut from an <paramref name="inputSize"/>-pixel picture cannot go
    /// through CNTK's ResNet18 (see <see cref="CntkResNet18.AcceptsInputSize"/>), or null when they can.
    /// Training, the net and the exporter all ask this, for the training and the export size.
    /// </summary>
    public static string? PartSizeProblem(IEnumerable<PartCrop> parts, int inputSize)
    {
        foreach (var part in parts)
        {
            var (y0, y1, x0, x1) = part.ToPixels(inputSize);
            if (!CntkResNet18.AcceptsInputSize(y1 - y0, x1 - x0))
                return $"Part {part} is {y1 - y0}x{x1 - x0} pixels of a {inputSize}-pixel input, which CNTK's ResNet18 cannot take; " +
                       "with half-picture parts use a multiple of 64 (128, 192, 256), not 224.";
        }
        return null;
    }

    /// <summary>Heads are drawn in part order from one generator seeded with <paramref name="seed"/>; the module owns the backbone from here on.</summary>
    public PartEmbeddingNet(
        CntkResNet18 backbone,
        IReadOnlyList<PartCrop> parts,
        int inputSize,
        long seed,
        int hiddenSize = ProjectionHead.DefaultHiddenSize,
        int embeddingSize = ProjectionHead.DefaultOutputSize)
        : base(nameof(PartEmbeddingNet))
    {
        if (parts.Count == 0) throw new ArgumentException("A part model needs at least one part.", nameof(parts));
        if (PartSizeProblem(parts, inputSize) is { } problem) throw new ArgumentException(problem, nameof(inputSize));
        Backbone = backbone;
        Parts = parts.ToArray();
        InputSize = inputSize;
        using var generator = new Generator((ulong)seed, CPU);
        _heads = parts.Select(_ => new ProjectionHead(generator, hiddenSize, embeddingSize)).ToArray();
        register_module("backbone", backbone);
        register_module("heads", new ModuleList<ProjectionHead>(_heads));
    }

    public CntkResNet18 Backbone { get; }
    public IReadOnlyList<PartCrop> Parts { get; }
    /// <summary>One per part, in the order of <see cref="Parts"/>.</summary>
    public IReadOnlyList<ProjectionHead> Heads => _heads;
    public int InputSize { get; }
    /// <summary>Size of one part's embedding.</summary>
    public int PartEmbeddingSize => _heads[0].OutputSize;
    /// <summary>Size of <see cref="Embed"/>'s vectors.</summary>
    public int EmbeddingSize => _heads.Sum(h => h.OutputSize);

    /// <summary>[P,B,D]: for each part, its unit vectors.</summary>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        return scope.MoveToOuter(stack(PartEmbeddings(input)));
    }

    /// <summary>[B,P*D]: the part vectors side by side, normalised again (each part then weighs 1/sqrt(P)).</summary>
    public Tensor Embed(Tensor input)
    {
        using var scope = NewDisposeScope();
        return scope.MoveToOuter(nn.functional.normalize(cat(PartEmbeddings(input), 1)));
    }

    /// <summary>Rows [y0,y1) and columns [x0,x1) of the part, from an input of side <see cref="InputSize"/>.</summary>
    public Tensor Crop(Tensor input, PartCrop part)
    {
        var (y0, y1, x0, x1) = part.ToPixels(InputSize);
        return input.narrow(2, y0, y1 - y0).narrow(3, x0, x1 - x0);
    }

    private Tensor[] PartEmbeddings(Tensor input)
    {
        if (input.dim() != 4 || input.shape[2] != InputSize || input.shape[3] != InputSize)
            throw new ArgumentException($"Expected [B,3,{InputSize},{InputSize}], got [{string.Join(',', input.shape)}].", nameof(input));
        return Parts.Select((part, i) => nn.functional.normalize(_heads[i].call(Backbone.call(Crop(input, part))))).ToArray();
    }
}
