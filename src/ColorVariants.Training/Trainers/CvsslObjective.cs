using ColorVariants.Core.Images;
using ColorVariants.Training.Augment;
using ColorVariants.Training.Data;
using ColorVariants.Training.Export;
using ColorVariants.Training.Losses;
using ColorVariants.Training.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ColorVariants.Training.Trainers;

/// <summary>
/// The paper's model: two colour-jittered (and grayed, mirrored) views of the whole letterboxed picture,
/// never cropped at random; <see cref="PartEmbeddingNet"/> embeds the same fixed parts of both, and
/// <see cref="PartContrastiveLoss"/> contrasts each part only with that part of other products.
/// <para>With the momentum encoder (MoCo): queries from the trained net on view 1, keys from a slowly
/// following copy on view 2, negatives from the batch and a per-part queue of past keys, which small CPU
/// batches need. The key encoder runs in eval mode with the query net's BatchNorm statistics: batch
/// statistics would let it tag a batch's keys (MoCo's shuffled BN needs several devices).</para>
/// <para>Without it: both views through the trained net, the loss averaged over both directions.</para>
/// </summary>
internal sealed class CvsslObjective : IObjective
{
    private const string KeyNetworkFile = "key-network.bin";
    private const string QueueFile = "queue.bin";

    private readonly PartEmbeddingNet _net;
    private readonly PartEmbeddingNet? _keyNet;
    private readonly MomentumQueue? _queue;
    private readonly double _momentum;
    private readonly ShuffledBatchSampler _sampler;
    private readonly AugmentationPipeline _augmentation;
    private readonly PartContrastiveLoss _loss;
    private readonly PreprocessingSpec _spec;

    public CvsslObjective(TrainingOptions options, ImageTensorCache cache, PreprocessingSpec spec, Device device)
    {
        _sampler = Objectives.ShuffledSampler(options, cache);
        var parts = options.PartCrops;
        _net = new PartEmbeddingNet(Objectives.Backbone(options), parts, options.InputSize, options.Seed, options.HeadHiddenSize, options.EmbeddingSize);
        _net.to(device);
        if (options.MomentumEncoder)
        {
            CheckQueueSize(options, cache.Count);
            // Random weights, all overwritten from the query net at once.
            _keyNet = new PartEmbeddingNet(new CntkResNet18(), parts, options.InputSize, options.Seed, options.HeadHiddenSize, options.EmbeddingSize);
            _keyNet.to(device);
            MomentumUpdate.Initialise(_net, _keyNet);
            CopyBuffers();
            _keyNet.eval();
            _queue = new MomentumQueue(parts.Count, options.QueueSize, options.EmbeddingSize, device);
            _momentum = options.Momentum;
        }
        _augmentation = AugmentationPipeline.Cvssl(options.JitterStrength, options.GrayscaleProbability, options.Flip);
        _loss = new PartContrastiveLoss(options.EffectiveTemperature);
        _spec = spec;
    }

    public nn.Module Network => _net;
    public IEnumerable<Parameter> BackboneParameters => _net.Backbone.parameters().Where(p => p.requires_grad);
    public IEnumerable<Parameter> HeadParameters => _net.Heads.SelectMany(h => h.parameters());
    public int BatchesPerEpoch => _sampler.BatchesPerEpoch;

    public IEnumerable<TrainingBatch> Batches(int epoch) => _sampler.Epoch(epoch).Select(i => new TrainingBatch(i));

    public StepLoss Loss(Tensor rgb, TrainingBatch batch, Generator generator)
    {
        var first = ModelInput.From(_augmentation.Apply(rgb, generator), _spec);
        var second = ModelInput.From(_augmentation.Apply(rgb, generator), _spec);
        if (_keyNet is null || _queue is null)
        {
            var n = rgb.shape[0];
            var both = _net.call(torch.cat([first, second], 0)); // [P,2B,D]
            var a = PerPart(both.narrow(1, 0, n));
            var b = PerPart(both.narrow(1, n, n));
            var forward = _loss.Compute(a, b);
            var backward = _loss.Compute(b, a);
            return new StepLoss((forward.Total + backward.Total) / 2);
        }

        var queries = PerPart(_net.call(first));
        Tensor[] keys;
        using (torch.no_grad()) keys = PerPart(_keyNet.call(second));
        var result = _loss.Compute(queries, keys, _queue);
        _queue.EnqueueAll(keys); // after the loss: a batch's own keys are never its queue negatives
        return new StepLoss(result.Total);
    }

    public void AfterOptimizerStep()
    {
        if (_keyNet is null) return;
        MomentumUpdate.Apply(_net, _keyNet, _momentum);
        CopyBuffers();
    }

    public void SaveState(string directory)
    {
        if (_keyNet is null || _queue is null) return;
        NetworkWeights.Save(_keyNet, Path.Combine(directory, KeyNetworkFile));
        using var writer = new BinaryWriter(File.Create(Path.Combine(directory, QueueFile)));
        _queue.Save(writer);
    }

    public void LoadState(string directory)
    {
        if (_keyNet is null || _queue is null) return;
        NetworkWeights.Load(_keyNet, Path.Combine(directory, KeyNetworkFile));
        using var reader = new BinaryReader(File.OpenRead(Path.Combine(directory, QueueFile)));
        _queue.Load(reader);
    }

    public void Export(ExportMetadata metadata, string path)
    {
        _net.eval();
        OnnxExporter.Export(_net, metadata, path);
    }

    public void Dispose()
    {
        _net.Dispose();
        _keyNet?.Dispose();
        _queue?.Dispose();
    }

    /// <summary>
    /// A queue as long as the data (less a batch) would hold every product's own key from its previous visit,
    /// as a negative. Shorter queues still do now and then: for a queue of Q keys over N images about
    /// (Q/N)^2/2 of the products, so a quarter of N keeps it near 3%.
    /// </summary>
    private static void CheckQueueSize(TrainingOptions options, int images)
    {
        if (options.QueueSize <= images - options.BatchSize) return;
        var suggestion = Math.Max(options.BatchSize, images / 4 / options.BatchSize * options.BatchSize);
        throw new TrainingException(
            $"A queue of {options.QueueSize} keys is longer than the {images} images less one batch: each product's own earlier key " +
            $"would be among its negatives. Use --queue-size {suggestion} (about a quarter of the images) or less.");
    }

    private static Tensor[] PerPart(Tensor stacked) =>
        Enumerable.Range(0, (int)stacked.shape[0]).Select(p => stacked[p]).ToArray();

    /// <summary>BatchNorm running statistics are buffers, which MomentumUpdate (parameters only) leaves alone.</summary>
    private void CopyBuffers()
    {
        using var _ = torch.no_grad();
        var keyBuffers = _keyNet!.named_buffers().ToDictionary(b => b.name, b => b.buffer, StringComparer.Ordinal);
        foreach (var (name, buffer) in _net.named_buffers())
            keyBuffers[name].copy_(buffer);
    }
}
