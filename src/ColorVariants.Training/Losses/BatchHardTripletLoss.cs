using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace ColorVariants.Training.Losses;

/// <summary>
/// Batch-hard triplet loss (Hermans, Beyer and Leibe 2017): for each anchor, its farthest positive and
/// nearest negative in the batch, by Euclidean distance between L2-normalised embeddings;
/// mean over anchors of max(0, margin + d(a,p) - d(a,n)), or of softplus(d(a,p) - d(a,n)) with
/// <paramref name="SoftMargin"/>. Anchors without a positive or a negative are left out.
/// </summary>
public sealed record BatchHardTripletLoss(double Margin = 0.2, bool SoftMargin = false)
{
    /// <param name="embeddings">[B,D], any scale: normalised here.</param>
    /// <param name="labels">[B] int64 style ids (e.g. <see cref="Data.PkBatch.Labels"/>).</param>
    public TripletLossResult Compute(Tensor embeddings, Tensor labels)
    {
        using var scope = torch.NewDisposeScope();
        var n = embeddings.shape[0];
        var z = F.normalize(embeddings, p: 2, dim: 1);
        // |a - b|^2 = 2 - 2 cos for unit vectors; the floor keeps sqrt's gradient finite at 0.
        var distance = (2.0 - 2.0 * z.mm(z.t())).clamp_min(1e-12).sqrt();
        var same = labels.view(-1, 1).eq(labels.view(1, -1));
        var self = torch.eye(n, dtype: ScalarType.Bool, device: embeddings.device);
        var positive = same.logical_and(self.logical_not());
        var negative = same.logical_not();

        var hardestPositive = distance.masked_fill(positive.logical_not(), double.NegativeInfinity).amax([1]);
        var hardestNegative = distance.masked_fill(negative.logical_not(), double.PositiveInfinity).amin([1]);
        var valid = positive.any(1).logical_and(negative.any(1));
        var gap = hardestPositive.masked_select(valid) - hardestNegative.masked_select(valid);
        var anchors = (int)gap.shape[0];
        if (anchors == 0)
            return new TripletLossResult((embeddings.sum() * 0.0).MoveToOuterDisposeScope(), 0, 0);

        var margin = SoftMargin ? 0.0 : Margin;
        var perAnchor = SoftMargin ? gap.softplus() : (gap + margin).relu();
        var active = (gap + margin).gt(0).to_type(ScalarType.Float32).mean().item<float>();
        return new TripletLossResult(perAnchor.mean().MoveToOuterDisposeScope(), active, anchors);
    }
}
