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
/// Supervised: P styles x K images, <see cref="EmbeddingNet"/>, batch-hard triplet loss; with review
/// labels the "styles" are <see cref="LabelGroups"/>' groups and rejected partners join the batch. The labels
/// already pair a design's colours, so the views are only lightly changed: a mirror, half-strength
/// colour jitter and some grayscale, which widen the few colours a style has without hiding its design.
/// </summary>
internal sealed class TripletObjective : IObjective
{
    private readonly EmbeddingNet _net;
    private readonly PkSampler _sampler;
    private readonly AugmentationPipeline _augmentation;
    private readonly BatchHardTripletLoss _loss;
    private readonly PreprocessingSpec _spec;
    private readonly Device _device;

    public TripletObjective(TrainingOptions options, ImageTensorCache cache, PreprocessingSpec spec, Device device, LabelGroups? labels)
    {
        IReadOnlyList<string?> groups = cache.Styles;
        IEnumerable<(int, int)> negatives = [];
        if (labels is not null) (groups, negatives) = labels.For(cache.Items);
        try
        {
            _sampler = new PkSampler(groups, options.StylesPerBatch, options.ImagesPerStyle, options.Seed, negatives);
        }
        catch (ArgumentException e)
        {
            throw new TrainingException($"Triplet training cannot sample P x K batches from these images: {e.Message}");
        }
        _net = new EmbeddingNet(Objectives.Backbone(options), new ProjectionHead(options.Seed, options.HeadHiddenSize, options.EmbeddingSize));
        _net.to(device);
        List<IBatchAugmentation> steps = [];
        if (options.Flip) steps.Add(new RandomHorizontalFlip());
        if (options.JitterStrength > 0) steps.Add(ColorJitter.Strong(options.JitterStrength / 2));
        if (options.GrayscaleProbability > 0) steps.Add(new RandomGrayscale(options.GrayscaleProbability));
        _augmentation = new AugmentationPipeline(steps);
        _loss = new BatchHardTripletLoss(options.Margin);
        _spec = spec;
        _device = device;
    }

    public nn.Module Network => _net;
    public IEnumerable<Parameter> BackboneParameters => _net.Backbone.parameters().Where(p => p.requires_grad);
    public IEnumerable<Parameter> HeadParameters => _net.Head.parameters();
    public int BatchesPerEpoch => _sampler.BatchesPerEpoch;

    public IEnumerable<TrainingBatch> Batches(int epoch) =>
        _sampler.Epoch(epoch).Select(b => new TrainingBatch(b.Indices, b.Labels));

    public StepLoss Loss(Tensor rgb, TrainingBatch batch, Generator generator)
    {
        var input = ModelInput.From(_augmentation.Apply(rgb, generator), _spec);
        var labels = torch.tensor(batch.Labels!, ScalarType.Int64, _device);
        var result = _loss.Compute(_net.call(input), labels);
        return new StepLoss(result.Loss, result.ActiveFraction);
    }

    public void Export(ExportMetadata metadata, string path)
    {
        _net.eval();
        OnnxExporter.Export(_net, metadata, path);
    }

    public void Dispose() => _net.Dispose();
}
