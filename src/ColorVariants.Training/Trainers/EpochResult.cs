namespace ColorVariants.Training.Trainers;

/// <summary>One finished epoch, as the checkpoint and training.json keep it.</summary>
/// <param name="Epoch">1-based.</param>
/// <param name="Loss">Mean over the epoch's steps.</param>
/// <param name="ActiveFraction">Triplet only: mean share of anchors violating the margin.</param>
public sealed record EpochResult(int Epoch, double Loss, double? ActiveFraction, int Steps, int Images, double Seconds)
{
    public double ImagesPerSecond => Images / Math.Max(Seconds, 1e-9);
    public double StepsPerSecond => Steps / Math.Max(Seconds, 1e-9);
}
