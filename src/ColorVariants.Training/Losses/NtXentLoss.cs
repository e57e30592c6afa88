using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace ColorVariants.Training.Losses;

/// <summary>
/// SimCLR's NT-Xent: 2N views, each one's positive is the other view of its sample and its
/// negatives the other 2N - 2 views; cross-entropy over cosine similarity / temperature, mean over 2N.
/// </summary>
public sealed record NtXentLoss(double Temperature = 0.5)
{
    /// <param name="view1">[N,D]: row i and row i of <paramref name="view2"/> are two views of sample i.</param>
    public Tensor Compute(Tensor view1, Tensor view2)
    {
        using var scope = torch.NewDisposeScope();
        var n = view1.shape[0];
        var z = F.normalize(torch.cat([view1, view2], 0), p: 2, dim: 1);
        var self = torch.eye(2 * n, dtype: ScalarType.Bool, device: z.device);
        var logits = (z.mm(z.t()) / Temperature).masked_fill(self, double.NegativeInfinity);
        var first = torch.arange(n, ScalarType.Int64, z.device);
        var targets = torch.cat([first + n, first], 0);
        return F.cross_entropy(logits, targets).MoveToOuterDisposeScope();
    }
}
