using static TorchSharp.torch;

namespace ColorVariants.Training.Losses;

/// <param name="Loss">Scalar loss to back-propagate; the caller disposes it.</param>
/// <param name="ActiveFraction">Share of anchors whose hardest triplet still violates the margin (a loss above 0).</param>
/// <param name="Anchors">Anchors that have both a positive and a negative in the batch.</param>
public readonly record struct TripletLossResult(Tensor Loss, double ActiveFraction, int Anchors);
