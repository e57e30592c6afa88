using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace ColorVariants.Training.Losses;

/// <summary>
/// InfoNCE (van den Oord et al. 2018; MoCo, He et al. 2020): cross-entropy that picks each query's
/// positive key among negatives, on cosine similarity / temperature. Inputs are normalised here.
/// Keys from a momentum encoder should come in detached (computed under no_grad).
/// </summary>
public static class InfoNce
{
    /// <summary>MoCo's form: query i against its key i and the shared <paramref name="negatives"/>.</summary>
    /// <param name="query">[B,D]</param>
    /// <param name="positiveKey">[B,D]</param>
    /// <param name="negatives">[K,D], e.g. <see cref="MomentumQueue.Keys"/>.</param>
    public static Tensor WithNegatives(Tensor query, Tensor positiveKey, Tensor negatives, double temperature)
    {
        using var scope = torch.NewDisposeScope();
        var q = F.normalize(query, p: 2, dim: 1);
        var k = F.normalize(positiveKey, p: 2, dim: 1);
        var positive = (q * k).sum(1, keepdim: true);
        var logits = torch.cat([positive, q.mm(F.normalize(negatives, p: 2, dim: 1).t())], 1) / temperature;
        var targets = torch.zeros(q.shape[0], ScalarType.Int64, q.device); // the positive is column 0
        return F.cross_entropy(logits, targets).MoveToOuterDisposeScope();
    }

    /// <summary>In-batch form: query i against all keys of the batch (key i positive, the others negative), plus <paramref name="extraNegatives"/>.</summary>
    public static Tensor InBatch(Tensor query, Tensor positiveKey, double temperature, Tensor? extraNegatives = null)
    {
        using var scope = torch.NewDisposeScope();
        var q = F.normalize(query, p: 2, dim: 1);
        var k = F.normalize(positiveKey, p: 2, dim: 1);
        var logits = q.mm(k.t());
        if (extraNegatives is not null && extraNegatives.shape[0] > 0)
            logits = torch.cat([logits, q.mm(F.normalize(extraNegatives, p: 2, dim: 1).t())], 1);
        var targets = torch.arange(q.shape[0], ScalarType.Int64, q.device); // the diagonal
        return F.cross_entropy(logits / temperature, targets).MoveToOuterDisposeScope();
    }
}
