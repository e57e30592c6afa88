using ColorVariants.Training.Data;

namespace ColorVariants.Training.Trainers;

/// <summary>training.json: what was trained, how, and how fast.</summary>
/// <param name="TrainingSeconds">Sum of the epochs' times, over all sessions of a resumed run.</param>
/// <param name="WallSeconds">The last session, cache and export included.</param>
/// <param name="Labels">What the run made of the review labels; null without them.</param>
internal sealed record TrainingReport(
    string Name,
    string Model,
    TrainingOptions Options,
    string CatalogFingerprint,
    int Images,
    int StepsPerEpoch,
    double CacheSeconds,
    int CacheDecodedImages,
    int? ResumedAfterEpoch,
    IReadOnlyList<EpochResult> Epochs,
    double TrainingSeconds,
    double WallSeconds,
    DateTimeOffset FinishedAt,
    LabelSummary? Labels);
