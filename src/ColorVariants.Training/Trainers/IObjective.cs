using ColorVariants.Training.Export;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ColorVariants.Training.Trainers;

/// <summary>One sampled batch: rows of the image cache and, for triplet, their style ids.</summary>
internal readonly record struct TrainingBatch(int[] Indices, long[]? Labels = null);

/// <param name="Loss">Scalar to back-propagate, in the step's dispose scope.</param>
/// <param name="ActiveFraction">Triplet only.</param>
internal readonly record struct StepLoss(Tensor Loss, double? ActiveFraction = null);

/// <summary>
/// What differs between the methods: the network, the batches, the views and the loss, and any state
/// besides the network's (a momentum encoder and its queue). <see cref="Trainer"/> runs the rest.
/// </summary>
internal interface IObjective : IDisposable
{
    /// <summary>The network the optimizer trains: what checkpoints save and the export writes.</summary>
    nn.Module Network { get; }

    /// <summary>Trainable backbone parameters (the frozen stages excluded).</summary>
    IEnumerable<Parameter> BackboneParameters { get; }

    IEnumerable<Parameter> HeadParameters { get; }

    int BatchesPerEpoch { get; }

    /// <summary>0-based epoch; the same epoch always gives the same batches.</summary>
    IEnumerable<TrainingBatch> Batches(int epoch);

    /// <param name="rgb">The batch's images, float32 [B,3,S,S] RGB on 0-255.</param>
    StepLoss Loss(Tensor rgb, TrainingBatch batch, Generator generator);

    /// <summary>After the optimizer has updated <see cref="Network"/> (e.g. the momentum encoder follows it).</summary>
    void AfterOptimizerStep() { }

    /// <summary>Writes the state besides the network's into a checkpoint folder.</summary>
    void SaveState(string directory) { }

    void LoadState(string directory) { }

    /// <summary>Writes <see cref="Network"/> (in eval mode) as ONNX.</summary>
    void Export(ExportMetadata metadata, string path);
}
