using ColorVariants.Training.Data;

namespace ColorVariants.Training.Trainers;

/// <summary>Where a run reports: the image cache while it builds, every step, every finished epoch. Any may be null.</summary>
public sealed record TrainingReporter
{
    public IProgress<CacheProgress>? Cache { get; init; }
    public IProgress<TrainingProgress>? Step { get; init; }
    public IProgress<EpochResult>? Epoch { get; init; }
}
