using System.Globalization;
using ColorVariants.Core.Images;
using ColorVariants.Training.Models;

namespace ColorVariants.Training.Export;

/// <summary>
/// What an exported model file says about itself, beside what the exporter derives from the
/// network (embedding size, parts). <see cref="Preprocessing"/>'s input size is the size the
/// graph's input is fixed to.
/// </summary>
/// <param name="Method">One of <see cref="TrainingMethod.All"/>.</param>
/// <param name="CatalogFingerprint">Identifies the catalog (and split) the model was trained on.</param>
public sealed record ExportMetadata(string Name, string Method, PreprocessingSpec Preprocessing, string CatalogFingerprint, long Seed)
{
    public DateTimeOffset CreatedAt { get; init; } = DateTimeOffset.UtcNow;
    /// <summary>Where the starting weights came from; written only when set.</summary>
    public string? Source { get; init; }

    /// <summary>ISO 8601 in UTC, to the second.</summary>
    public string CreatedAtText => CreatedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(Name)) throw new ArgumentException("A model needs a name.", nameof(Name));
        if (!TrainingMethod.All.Contains(Method))
            throw new ArgumentException($"Method '{Method}' is not one of {string.Join(", ", TrainingMethod.All)}.", nameof(Method));
        if (string.IsNullOrWhiteSpace(CatalogFingerprint))
            throw new ArgumentException("A model needs the fingerprint of the catalog it was trained on (e.g. \"none\" for ImageNet weights).", nameof(CatalogFingerprint));
    }
}
