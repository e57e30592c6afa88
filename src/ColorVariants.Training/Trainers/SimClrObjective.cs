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

/// <summary>The baseline: two random-resized-crop + colour-jitter views per product, <see cref="EmbeddingNet"/>, NT-Xent.</summary>
internal sealed class SimClrObjective : IObjective
{
    private readonly EmbeddingNet _net;
    private readonly ShuffledBatchSampler _sampler;
    private readonly AugmentationPipeline _augmentation;
    private readonly NtXentLoss _loss;
    private readonly PreprocessingSpec _spec;

    public SimClrObjective(TrainingOptions options, ImageTensorCache cache, PreprocessingSpec spec, Device device)
    {
        _sampler = Objectives.ShuffledSampler(options, cache);
        _net = new EmbeddingNet(Objectives.Backbone(options), new ProjectionHead(options.Seed, options.HeadHiddenSize, options.EmbeddingSize));
        _net.to(device);
        _augmentation = AugmentationPipeline.SimClr(options.InputSize, options.JitterStrength);
        _loss = new NtXentLoss(options.EffectiveTemperature);
        _spec = spec;
    }

    public nn.Module Network => _net;
    public IEnumerable<Parameter> BackboneParameters => _net.Backbone.parameters().Where(p => p.requires_grad);
    public IEnumerable<Parameter> HeadParameters => _net.Head.parameters();
    public int BatchesPerEpoch => _sampler.BatchesPerEpoch;

    public IEnumerable<TrainingBatch> Batches(int epoch) => _sampler.Epoch(epoch).Select(i => new TrainingBatch(i));

    public StepLoss Loss(Tensor rgb, TrainingBatch batch, Generator generator)
    {
        var n = rgb.shape[0];
        var first = ModelInput.From(_augmentation.Apply(rgb, generator), _spec);
        var second = ModelInput.From(_augmentation.Apply(rgb, generator), _spec);
        // One pass over both views: BatchNorm normalises them together, as in SimCLR.
        var embeddings = _net.call(torch.cat([first, second], 0));
        return new StepLoss(_loss.Compute(embeddings.narrow(0, 0, n), embeddings.narrow(0, n, n)));
    }

    public void Export(ExportMetadata metadata, string path)
    {
        _net.eval();
        OnnxExporter.Export(_net, metadata, path);
    }

    public void Dispose() => _net.Dispose();
}
