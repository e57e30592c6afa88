using ColorVariants.Training.Data;
using ColorVariants.Training.Losses;
using TorchSharp;
using static TorchSharp.torch;

namespace ColorVariants.Training.Trainers;

/// <summary>How a <see cref="LinearHeadTrainer"/> learns.</summary>
/// <param name="StylesPerBatch">P of the P x K batches.</param>
/// <param name="ImagesPerStyle">K of the P x K batches.</param>
/// <param name="Margin">Batch-hard triplet margin.</param>
/// <param name="LearningRate">Adam's step size on the head's entries.</param>
/// <param name="IdentityPenalty">Weight of |W - I|^2 (squared Frobenius norm): keeps the head near the frozen vectors
/// it starts from, so what the labelled styles teach does not overwrite what every product shares.</param>
/// <param name="Seed">Seeds the sampler; the head starts at the identity, so nothing else is random.</param>
public sealed record LinearHeadOptions(
    int StylesPerBatch = 64,
    int ImagesPerStyle = 4,
    double Margin = 0.2,
    double LearningRate = 1e-5,
    double IdentityPenalty = 1e-3,
    int Seed = 1);

/// <summary>One epoch of a <see cref="LinearHeadTrainer"/>: mean triplet loss, mean share of anchors still inside the margin.</summary>
public sealed record LinearHeadEpoch(int Epoch, double Loss, double ActiveFraction);

/// <summary>
/// A linear metric head on frozen vectors: W (d x d, from the identity) trained with the batch-hard
/// triplet loss on the labelled styles: the triplet network's loss, over the pretrained descriptor
/// once whitened instead of through a network retrained on 2 cores. Being linear it folds into the
/// whitening before it (normalize(W P x) = normalize(W normalize(P x)), CatalogWhitening.Then): the
/// service stores and applies one projection, as for any whitening. Epoch by epoch, so a caller can
/// draw its learning curve.
/// </summary>
public sealed class LinearHeadTrainer : IDisposable
{
    private readonly PkSampler _sampler;
    private readonly BatchHardTripletLoss _loss;
    private readonly LinearHeadOptions _options;
    private readonly Tensor _vectors;
    private readonly Tensor _identity;
    private readonly TorchSharp.Modules.Parameter _delta; // the head is I + delta; the penalty is on delta
    private readonly torch.optim.Optimizer _optimizer;

    /// <param name="vectors">The frozen vectors, one per product (e.g. whitened and L2-normalised), all of one dimension.</param>
    /// <param name="styles">Each vector's style; null = unlabelled, left out.</param>
    public LinearHeadTrainer(IReadOnlyList<float[]> vectors, IReadOnlyList<string?> styles, LinearHeadOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(styles.Count, vectors.Count, nameof(styles));
        if (vectors.Count == 0) throw new ArgumentException("No vectors to train on.", nameof(vectors));
        Dimensions = vectors[0].Length;
        _sampler = new PkSampler(styles, options.StylesPerBatch, options.ImagesPerStyle, options.Seed);
        _loss = new BatchHardTripletLoss(options.Margin);
        _options = options;
        _vectors = Rows(vectors, Dimensions);
        _identity = torch.eye(Dimensions);
        _delta = new TorchSharp.Modules.Parameter(torch.zeros(Dimensions, Dimensions));
        _optimizer = torch.optim.Adam([_delta], options.LearningRate);
    }

    public int Dimensions { get; }
    /// <summary>Epochs trained so far.</summary>
    public int Epochs { get; private set; }

    public LinearHeadEpoch TrainEpoch(CancellationToken cancellationToken = default)
    {
        double lossSum = 0, activeSum = 0;
        var batches = 0;
        foreach (var batch in _sampler.Epoch(Epochs))
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var scope = torch.NewDisposeScope();
            var rows = _vectors.index_select(0, torch.tensor(batch.Indices.Select(i => (long)i).ToArray()));
            var triplet = _loss.Compute(rows.mm((_identity + _delta).t()), torch.tensor(batch.Labels));
            var total = triplet.Loss + _options.IdentityPenalty * _delta.pow(2).sum();
            _optimizer.zero_grad();
            total.backward();
            _optimizer.step();
            lossSum += triplet.Loss.item<float>();
            activeSum += triplet.ActiveFraction;
            batches++;
        }
        Epochs++;
        return new LinearHeadEpoch(Epochs, lossSum / Math.Max(1, batches), activeSum / Math.Max(1, batches));
    }

    /// <summary>The head W, row-major d x d: its output is W x.</summary>
    public float[] Head()
    {
        using var head = (_identity + _delta).detach().contiguous();
        return head.data<float>().ToArray();
    }

    /// <summary>The head's outputs for <paramref name="vectors"/>, L2-normalised: what a search would compare.</summary>
    public float[][] Apply(IReadOnlyList<float[]> vectors)
    {
        if (vectors.Count == 0) return [];
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var output = torch.nn.functional.normalize(Rows(vectors, Dimensions).mm((_identity + _delta).t()), p: 2, dim: 1).contiguous();
        var flat = output.data<float>().ToArray();
        return Enumerable.Range(0, vectors.Count).Select(i => flat.AsSpan(i * Dimensions, Dimensions).ToArray()).ToArray();
    }

    public void Dispose()
    {
        _optimizer.Dispose();
        _delta.Dispose();
        _identity.Dispose();
        _vectors.Dispose();
    }

    private static Tensor Rows(IReadOnlyList<float[]> vectors, int d)
    {
        var flat = new float[vectors.Count * d];
        for (var i = 0; i < vectors.Count; i++)
        {
            if (vectors[i].Length != d) throw new ArgumentException($"Vector {i} has {vectors[i].Length} dimensions, not {d}.", nameof(vectors));
            vectors[i].CopyTo(flat, i * d);
        }
        return torch.tensor(flat, [vectors.Count, d]);
    }
}
