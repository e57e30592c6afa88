using TorchSharp;
using static TorchSharp.torch;

namespace ColorVariants.Training.Losses;

/// <param name="Total">Sum over parts: the scalar to back-propagate; the caller disposes it.</param>
/// <param name="PerPart">Each part's InfoNCE, for logging.</param>
public readonly record struct PartLossResult(Tensor Total, float[] PerPart);

/// <summary>
/// The paper's self-supervised objective: an InfoNCE per fixed part, summed over parts. For part p
/// and product i the positive is part p of product i's other view; the negatives are part p of the
/// other products: the rest of the batch (<paramref name="InBatchNegatives"/>) and/or that part's
/// <see cref="MomentumQueue"/>. Parts never serve as each other's negatives.
/// </summary>
public sealed record PartContrastiveLoss(double Temperature = 0.1, bool InBatchNegatives = true)
{
    /// <param name="queries">Per part, [B,D] embeddings of view 1 (the query encoder's).</param>
    /// <param name="keys">Per part, [B,D] embeddings of view 2 (detached when a momentum encoder made them).</param>
    /// <param name="queue">Extra negatives per part; enqueue this step's keys after the loss.</param>
    public PartLossResult Compute(IReadOnlyList<Tensor> queries, IReadOnlyList<Tensor> keys, MomentumQueue? queue = null)
    {
        if (queries.Count == 0 || queries.Count != keys.Count)
            throw new ArgumentException($"Need one query and one key tensor per part; got {queries.Count} and {keys.Count}.");
        if (queue is not null && queue.Parts != queries.Count)
            throw new ArgumentException($"The queue has {queue.Parts} parts; the batch has {queries.Count}.", nameof(queue));
        using var scope = torch.NewDisposeScope();
        var perPart = new Tensor[queries.Count];
        for (var p = 0; p < queries.Count; p++)
        {
            var negatives = queue is not null && queue.Count(p) > 0 ? queue.Keys(p) : null;
            perPart[p] = InBatchNegatives
                ? InfoNce.InBatch(queries[p], keys[p], Temperature, negatives)
                : InfoNce.WithNegatives(queries[p], keys[p],
                    negatives ?? throw new InvalidOperationException("Without in-batch negatives the queue must hold keys."), Temperature);
        }
        var total = torch.stack(perPart).sum();
        var values = perPart.Select(t => t.item<float>()).ToArray();
        return new PartLossResult(total.MoveToOuterDisposeScope(), values);
    }
}
