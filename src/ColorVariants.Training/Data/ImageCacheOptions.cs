using ColorVariants.Core.Catalog;
using ColorVariants.Core.Images;

namespace ColorVariants.Training.Data;

public sealed record ImageCacheOptions
{
    /// <summary>Side of the letterboxed square every image is stored at (the training size).</summary>
    public required int Size { get; init; }

    /// <summary>Folder that holds the cache files; created when missing.</summary>
    public required string Directory { get; init; }

    /// <summary>Which catalog rows to keep (e.g. <see cref="CatalogSelection.TrainStyles"/>); all when null.</summary>
    public Func<CatalogEntry, bool>? Filter { get; init; }

    public IntakeLimits Limits { get; init; } = new();

    public int MaxParallelism { get; init; } = Environment.ProcessorCount;
}
