using BenchmarkDotNet.Attributes;
using ColorVariants.Core.Images;
using ColorVariants.Inference.Embedding;

namespace ColorVariants.Benchmarks;

/// <summary>
/// One inference call on the CPU, at batch 1 (a search) and 16 (the service's import batch): the
/// default model (network and structure descriptor), and the structure descriptor alone, which is
/// what the default pays for it.
/// </summary>
public class EmbedBenchmarks
{
    private EmbeddingModel? _model;
    private float[] _input = [];
    private float[] _output = [];

    [Params(1, 16)]
    public int Batch { get; set; }

    [Params("default", "structure")]
    public string Model { get; set; } = "default";

    [GlobalSetup]
    public void Setup()
    {
        _model = EmbeddingModel.Load(Model == "default" ? BenchmarkData.DefaultModelPath() : BenchmarkData.StructureModelPath(), EmbeddingDevice.Cpu);
        var spec = _model.Preprocessing;
        using var square = ImageIntake.DecodeSquare(BenchmarkData.FirstCatalogImage(), spec.InputSize, new IntakeLimits());
        _input = new float[Batch * spec.TensorLength];
        TensorWriter.Write(square, spec, _input.AsSpan(0, spec.TensorLength));
        for (var i = 1; i < Batch; i++)
            _input.AsSpan(0, spec.TensorLength).CopyTo(_input.AsSpan(i * spec.TensorLength));
        _output = new float[Batch * _model.Dimensions];
    }

    [GlobalCleanup]
    public void Cleanup() => _model?.Dispose();

    [Benchmark(Description = "EmbeddingModel.Embed")]
    public float Embed()
    {
        _model!.Embed(_input, Batch, _output);
        return _output[0];
    }
}
