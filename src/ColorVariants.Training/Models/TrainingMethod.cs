namespace ColorVariants.Training.Models;

/// <summary>The values of the model files' <c>ModelMetadataKeys.Method</c> entry: how the encoder was trained.</summary>
public static class TrainingMethod
{
    public const string Triplet = "triplet";
    public const string SimClr = "simclr";
    /// <summary>The paper's part-based contrastive model (<see cref="PartEmbeddingNet"/>).</summary>
    public const string Cvssl = "cvssl";
    /// <summary>The pretrained backbone as it is.</summary>
    public const string ImageNet = "imagenet";

    public static IReadOnlyList<string> All { get; } = [Triplet, SimClr, Cvssl, ImageNet];
}
