namespace ColorVariants.Training.Trainers;

/// <summary>A checkpoint a run continues from: <see cref="EpochsDone"/> epochs are trained and kept.</summary>
public sealed record ResumePoint(int EpochsDone, string Directory, IReadOnlyList<EpochResult> Epochs);
