namespace ColorVariants.Training.Trainers;

/// <summary>After each step.</summary>
/// <param name="Epoch">1-based.</param>
/// <param name="Step">Steps done in this epoch, 1-based.</param>
/// <param name="Loss">Mean loss of the epoch's steps so far.</param>
/// <param name="ActiveFraction">Triplet only: running mean share of anchors still violating the margin.</param>
/// <param name="ImagesPerSecond">Catalog images this epoch has read per second (SimCLR and cvssl make two views of each).</param>
/// <param name="Elapsed">Training time of this session, cache building excluded.</param>
/// <param name="Remaining">Estimate for the rest of the run at this session's pace.</param>
public readonly record struct TrainingProgress(
    int Epoch,
    int Epochs,
    int Step,
    int StepsPerEpoch,
    double Loss,
    double? ActiveFraction,
    double ImagesPerSecond,
    TimeSpan Elapsed,
    TimeSpan Remaining);
