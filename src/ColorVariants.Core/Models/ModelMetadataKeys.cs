namespace ColorVariants.Core.Models;

/// <summary>Metadata keys the project writes into every model it prepares or exports, beside the preprocessing ones.</summary>
public static class ModelMetadataKeys
{
    public const string Name = "colorvariants.model_name";
    public const string Method = "colorvariants.method";
    public const string EmbeddingSize = "colorvariants.embedding_size";
    public const string Source = "colorvariants.source";
    public const string Parts = "colorvariants.parts";
    /// <summary>How the default model pools its features (<see cref="DescriptorOptions"/>).</summary>
    public const string Descriptor = "colorvariants.descriptor";
    /// <summary>Descriptors side by side in the output, each whitened by itself and weighted (Core <c>DescriptorBlocks</c>).</summary>
    public const string Blocks = "colorvariants.blocks";
    /// <summary>The model's variant verifier (Core <c>VariantVerifier</c>, "bias;weights;threshold"): it re-ranks each answer's candidates and decides which are variants.</summary>
    public const string Verifier = "colorvariants.verifier";
    /// <summary>The model's own variant threshold (cosine), used until a catalog calibrates one.</summary>
    public const string VariantThreshold = "colorvariants.variant_threshold";
    public const string CatalogFingerprint = "colorvariants.catalog_fingerprint";
    public const string Seed = "colorvariants.seed";
    public const string CreatedAt = "colorvariants.created_at";
}
