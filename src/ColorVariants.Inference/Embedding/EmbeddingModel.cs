using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using ColorVariants.Core.Embedding;
using ColorVariants.Core.Evaluation;
using ColorVariants.Core.Images;
using ColorVariants.Core.Models;
using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;

namespace ColorVariants.Inference.Embedding;

public enum EmbeddingDevice { Auto, Cpu, Cuda }

/// <summary>
/// One ONNX Runtime session for one model file, for the life of the process. Takes a batch of
/// preprocessed images and writes one L2-normalised vector per image.
/// </summary>
public sealed class EmbeddingModel : IDisposable
{
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;

    private EmbeddingModel(InferenceSession session, string path, string executionProvider)
    {
        _session = session;
        _inputNames = [session.InputMetadata.Keys.Single()];
        _outputNames = [session.OutputMetadata.Keys.First()];
        Metadata = session.ModelMetadata.CustomMetadataMap;
        Preprocessing = PreprocessingSpec.FromMetadata(Metadata);
        Name = Metadata.TryGetValue(ModelMetadataKeys.Name, out var name) ? name : Path.GetFileNameWithoutExtension(path);
        Dimensions = Metadata.TryGetValue(ModelMetadataKeys.EmbeddingSize, out var size)
            ? int.Parse(size, CultureInfo.InvariantCulture)
            : session.OutputMetadata[_outputNames[0]].Dimensions[^1];
        if (Dimensions <= 0) throw new InvalidDataException($"{path}: the output size is not known; add '{ModelMetadataKeys.EmbeddingSize}' metadata.");
        Blocks = DescriptorBlocks.FromMetadata(Metadata, Dimensions);
        if (Metadata.TryGetValue(ModelMetadataKeys.Verifier, out var verifier))
        {
            try { Verifier = VariantVerifier.Parse(verifier); }
            catch (FormatException e) { throw new InvalidDataException($"{path}: its verifier metadata is unreadable: {e.Message}", e); }
            if (Verifier.Weights.Length != VerifierFeatures.Names(Blocks.Count).Length)
                throw new InvalidDataException($"{path}: its verifier has {Verifier.Weights.Length} weights; {Blocks.Count} blocks give {VerifierFeatures.Names(Blocks.Count).Length} features.");
        }
        ExecutionProvider = executionProvider;
        FilePath = Path.GetFullPath(path);
        using var stream = File.OpenRead(path);
        Sha256 = Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    public string Name { get; }
    public string FilePath { get; }
    /// <summary>Content hash of the model file: its version, whatever it is called.</summary>
    public string Sha256 { get; }
    public int Dimensions { get; }
    /// <summary>The descriptors side by side in the output, each whitened by itself (one block unless the file says more).</summary>
    public IReadOnlyList<DescriptorBlock> Blocks { get; }
    /// <summary>The model's variant verifier, when its file carries one.</summary>
    public VariantVerifier? Verifier { get; }
    public PreprocessingSpec Preprocessing { get; }
    public IReadOnlyDictionary<string, string> Metadata { get; }
    public string ExecutionProvider { get; }

    public static EmbeddingModel Load(string path, EmbeddingDevice device = EmbeddingDevice.Auto, ILogger? logger = null, int intraOpThreads = 0)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"No model file at {path}.", path);
        var (useCuda, reason) = ChooseCuda(device);
        if (useCuda)
        {
            try
            {
                using var options = CreateOptions(intraOpThreads);
                options.AppendExecutionProvider_CUDA(0);
                var model = new EmbeddingModel(new InferenceSession(path, options), path, "CUDA");
                logger?.LogInformation("ONNX Runtime runs {Model} on the CUDA execution provider: {Reason}.", model.Name, reason);
                return model;
            }
            catch (Exception e) when (e is OnnxRuntimeException or EntryPointNotFoundException or DllNotFoundException)
            {
                if (device == EmbeddingDevice.Cuda) throw;
                reason = $"{reason}, but CUDA did not start ({e.Message.Split('\n')[0]})";
            }
        }
        using (var options = CreateOptions(intraOpThreads))
        {
            var model = new EmbeddingModel(new InferenceSession(path, options), path, "CPU");
            logger?.LogInformation("ONNX Runtime runs {Model} on the CPU execution provider: {Reason}.", model.Name, reason);
            return model;
        }
    }

    private static SessionOptions CreateOptions(int intraOpThreads)
    {
        var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        };
        if (intraOpThreads > 0) options.IntraOpNumThreads = intraOpThreads;
        // Idle ORT threads otherwise spin, taking the cores that decode the next images.
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        return options;
    }

    /// <summary>
    /// Whether <see cref="Load"/> tries CUDA first, and why: CUDA needs an NVIDIA device node and the
    /// CUDA 13 runtime the GPU build links against. Public so that tests expect what this host gets.
    /// </summary>
    public static (bool UseCuda, string Reason) ChooseCuda(EmbeddingDevice device)
    {
        if (device == EmbeddingDevice.Cpu) return (false, "configured Embedding:Device=cpu");
        if (!File.Exists("/dev/nvidiactl") && !File.Exists("/dev/nvidia0"))
            return device == EmbeddingDevice.Cuda
                ? (true, "configured Embedding:Device=cuda")
                : (false, "no NVIDIA GPU device (/dev/nvidia0) found");
        if (!NativeLibrary.TryLoad("libcudart.so.13", out var cudart))
            return device == EmbeddingDevice.Cuda
                ? (true, "configured Embedding:Device=cuda")
                : (false, "an NVIDIA GPU is present but the CUDA 13 runtime (libcudart.so.13) is not on the library path");
        NativeLibrary.Free(cudart);
        return (true, "an NVIDIA GPU and the CUDA 13 runtime were found");
    }

    /// <summary>
    /// Runs <paramref name="count"/> images laid out back to back in <paramref name="input"/>
    /// (each <see cref="PreprocessingSpec.TensorLength"/> floats) and writes their vectors,
    /// L2-normalised, into <paramref name="output"/> (count x <see cref="Dimensions"/>).
    /// </summary>
    public void Embed(Memory<float> input, int count, Span<float> output)
    {
        var size = Preprocessing.InputSize;
        var length = count * Preprocessing.TensorLength;
        if (input.Length < length) throw new ArgumentException($"Expected {length} floats, got {input.Length}.", nameof(input));
        if (output.Length < count * Dimensions) throw new ArgumentException("Output too small.", nameof(output));

        using var tensor = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, input[..length], [count, 3, size, size]);
        using var results = _session.Run(_runOptions, _inputNames, [tensor], _outputNames);
        var vectors = results[0].GetTensorDataAsSpan<float>();
        if (vectors.Length != count * Dimensions)
            throw new InvalidDataException($"The model returned {vectors.Length} values for {count} images of {Dimensions}.");
        vectors.CopyTo(output);
        for (var i = 0; i < count; i++) VectorMath.Normalize(output.Slice(i * Dimensions, Dimensions));
    }

    public void Dispose()
    {
        _runOptions.Dispose();
        _session.Dispose();
    }
}
