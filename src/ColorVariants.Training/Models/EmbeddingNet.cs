using TorchSharp;
using static TorchSharp.torch;

namespace ColorVariants.Training.Models;

/// <summary>Backbone, projection head and L2 normalisation: [B,3,S,S] in, [B,D] unit vectors out (triplet and SimCLR).</summary>
public sealed class EmbeddingNet : nn.Module<Tensor, Tensor>
{
    /// <summary>The module owns both parts from here on: disposing it disposes them.</summary>
    public EmbeddingNet(CntkResNet18 backbone, ProjectionHead head)
        : base(nameof(EmbeddingNet))
    {
        if (head.InputSize != CntkResNet18.FeatureSize)
            throw new ArgumentException($"The head takes {head.InputSize} features, the backbone gives {CntkResNet18.FeatureSize}.", nameof(head));
        Backbone = backbone;
        Head = head;
        register_module("backbone", backbone);
        register_module("head", head);
    }

    public CntkResNet18 Backbone { get; }
    public ProjectionHead Head { get; }
    public int EmbeddingSize => Head.OutputSize;

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        return scope.MoveToOuter(nn.functional.normalize(Head.call(Backbone.call(input))));
    }
}
