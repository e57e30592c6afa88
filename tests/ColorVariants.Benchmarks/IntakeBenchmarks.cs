using BenchmarkDotNet.Attributes;
using ColorVariants.Core.Images;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace ColorVariants.Benchmarks;

/// <summary>What the service does per upload before inference, on one real catalog image, at the default model's 224 pixels.</summary>
public class IntakeBenchmarks
{
    private readonly PreprocessingSpec _spec = PreprocessingSpec.CntkResNet(224);
    private readonly IntakeLimits _limits = new();
    private byte[] _image = [];
    private float[] _tensor = [];
    private Image<Rgb24>? _square;

    [GlobalSetup]
    public void Setup()
    {
        _image = BenchmarkData.FirstCatalogImage();
        _tensor = new float[_spec.TensorLength];
        _square = ImageIntake.DecodeSquare(_image, _spec.InputSize, _limits);
    }

    [GlobalCleanup]
    public void Cleanup() => _square?.Dispose();

    [Benchmark(Description = "DecodeSquare + TensorWriter (224)")]
    public float IntakeToTensor()
    {
        using var square = ImageIntake.DecodeSquare(_image, _spec.InputSize, _limits);
        TensorWriter.Write(square, _spec, _tensor);
        return _tensor[0];
    }

    [Benchmark(Description = "TensorWriter alone (224)")]
    public float TensorOnly()
    {
        TensorWriter.Write(_square!, _spec, _tensor);
        return _tensor[0];
    }
}
