namespace ColorVariants.Training.Trainers;

/// <param name="ModelPath">The exported ONNX model.</param>
/// <param name="ReportPath">training.json.</param>
/// <param name="Epochs">All epochs, including those a resumed run found in its checkpoint.</param>
/// <param name="ResumedAfterEpoch">The checkpoint's epoch this session started after; null for a fresh run.</param>
/// <param name="CacheTime">Opening (or building) the image cache.</param>
/// <param name="WallTime">This session, cache and export included.</param>
public sealed record TrainingResult(
    string ModelPath,
    string ReportPath,
    IReadOnlyList<EpochResult> Epochs,
    int? ResumedAfterEpoch,
    int Images,
    TimeSpan CacheTime,
    TimeSpan WallTime);
