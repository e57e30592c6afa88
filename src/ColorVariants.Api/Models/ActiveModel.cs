namespace ColorVariants.Api.Models;

/// <summary>The model this process embeds with, as registered in the catalog (<see cref="Storage.CatalogStore.RegisterModelAsync"/>).</summary>
/// <param name="Blocks">The descriptors side by side in its output (the model file's <c>colorvariants.blocks</c>): what its whitening fits block by block.</param>
/// <param name="Verifier">The model file's variant verifier, when it has one: it re-ranks answers and decides (Variants/VariantRanking).</param>
public sealed record ActiveModel(int Id, string Name, string Sha256, int Dimensions, IReadOnlyList<ColorVariants.Core.Embedding.DescriptorBlock> Blocks,
    ColorVariants.Core.Evaluation.VariantVerifier? Verifier = null)
{
    /// <summary>How this model's catalog whitening is fitted.</summary>
    public ColorVariants.Core.Embedding.WhiteningOptions Whitening => ColorVariants.Core.Embedding.WhiteningOptions.Default with { Blocks = Blocks };
}
