using ColorVariants.Core.Images;
using ColorVariants.Inference.Models;
using ColorVariants.Training.Data;
using ColorVariants.Training.Models;
using static TorchSharp.torch;

namespace ColorVariants.Training.Trainers;

internal static class Objectives
{
    /// <param name="labels">Triplet's groups and hard negatives from review labels; null: the styles.</param>
    public static IObjective Create(TrainingOptions options, ImageTensorCache cache, PreprocessingSpec spec, Device device, LabelGroups? labels) => options.Method switch
    {
        TrainingMethod.Triplet => new TripletObjective(options, cache, spec, device, labels),
        TrainingMethod.SimClr => new SimClrObjective(options, cache, spec, device),
        TrainingMethod.Cvssl => new CvsslObjective(options, cache, spec, device),
        _ => throw new TrainingException($"Method '{options.Method}' cannot be trained."),
    };

    /// <summary>CNTK's ImageNet ResNet18 (the default model's weights) with the first stages frozen.</summary>
    public static CntkResNet18 Backbone(TrainingOptions options)
    {
        var backbone = CntkResNet18.FromOnnx(DefaultModel.SourcePath);
        backbone.Freeze(options.FrozenStages);
        return backbone;
    }

    /// <summary>Full batches only: in-batch negatives and BatchNorm want a constant batch size.</summary>
    public static ShuffledBatchSampler ShuffledSampler(TrainingOptions options, ImageTensorCache cache)
    {
        if (cache.Count < options.BatchSize)
            throw new TrainingException($"{cache.Count} images do not fill one batch of {options.BatchSize}; lower --batch-size.");
        return new ShuffledBatchSampler(cache.Count, options.BatchSize, options.Seed);
    }
}
