using ColorVariants.Core.Catalog;
using ColorVariants.Core.Evaluation;

namespace ColorVariants.Training.Data;

/// <summary>Row filters for <see cref="ImageCacheOptions.Filter"/>, all on Core's <see cref="StyleSplit"/>.</summary>
public static class CatalogSelection
{
    /// <summary>Labelled rows whose style trains: the triplet set.</summary>
    public static bool TrainStyles(CatalogEntry entry) =>
        entry.Style is { } style && StyleSplit.Of(style) == SplitPart.Train;

    /// <summary>Labelled rows whose style validates: the retrieval benchmark.</summary>
    public static bool ValidationStyles(CatalogEntry entry) =>
        entry.Style is { } style && StyleSplit.Of(style) == SplitPart.Validation;

    /// <summary>Train styles plus unlabelled rows: what self-supervised training may see without touching validation.</summary>
    public static bool NotValidation(CatalogEntry entry) =>
        entry.Style is not { } style || StyleSplit.Of(style) == SplitPart.Train;
}
