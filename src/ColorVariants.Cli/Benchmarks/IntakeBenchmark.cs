using System.Diagnostics;
using ColorVariants.Core.Images;
using ColorVariants.Inference.Embedding;

namespace ColorVariants.Cli.Benchmarks;

/// <summary>One timed phase: wall-clock and this process's CPU time for a number of images.</summary>
public sealed record PhaseFigures(int Images, double WallSeconds, double CpuSeconds)
{
    public double ImagesPerSecond => Images / Math.Max(WallSeconds, 1e-9);
}

/// <summary>
/// What <see cref="IntakeBenchmark"/> found. <see cref="SharedBound"/> is the throughput the
/// two stages allow when they run on the same cores (each image costs its decode time plus its
/// share of a batch's inference time); the service's import should reach <see cref="ImportTarget"/>.
/// </summary>
public sealed record IntakeFigures(PhaseFigures Decode, int DecodeRejected, PhaseFigures Model, int BatchSize)
{
    public const double TargetShare = 0.8;

    public double SharedBound => 1 / (1 / Decode.ImagesPerSecond + 1 / Model.ImagesPerSecond);
    public double ImportTarget => TargetShare * SharedBound;
}

/// <summary>
/// Measures the two halves of what an import costs the service, each alone on all cores:
/// (a) intake — read the file, decode, letterbox and write the model's tensor, exactly as the
/// service does per upload — and (b) inference of ready tensors in batches. Each phase gets
/// an untimed warm-up first so JIT compilation and ONNX Runtime's first-run allocations are not
/// counted.
/// </summary>
public sealed class IntakeBenchmark(EmbeddingModel model, int batchSize)
{
    /// <summary>Batches of decoded tensors kept for the model phase; the content barely changes a CNN's cost, so a few suffice.</summary>
    private const int KeptBatches = 4;
    private const int WarmUpImages = 32;

    private readonly PreprocessingSpec _spec = model.Preprocessing;

    public IntakeFigures Run(IReadOnlyList<string> imagePaths, IProgress<string>? progress = null)
    {
        var images = imagePaths.Count;
        if (images == 0) throw new ArgumentException("No images to measure.", nameof(imagePaths));
        var length = _spec.TensorLength;
        var kept = Math.Min(images, KeptBatches * batchSize);
        var tensors = new float[kept * length];

        // The service receives bytes over HTTP, so disk latency is not its cost: read every file
        // once untimed so the timed reads come from the page cache.
        progress?.Report("reading the files once (page cache)");
        foreach (var path in imagePaths) _ = File.ReadAllBytes(path);
        // Enough images for the decoder's hot loops to reach optimised (tier-1) code.
        progress?.Report("warming up intake");
        Decode(imagePaths, Math.Min(images, WarmUpImages), tensors, kept);
        progress?.Report($"intake: {images} images on {Environment.ProcessorCount} cores");
        var rejected = 0;
        var decode = Measure(() => rejected = Decode(imagePaths, images, tensors, kept), images);

        progress?.Report("warming up the model");
        var output = new float[batchSize * model.Dimensions];
        model.Embed(tensors, Math.Min(batchSize, kept), output);
        progress?.Report($"model: {images} images in batches of {batchSize}");
        var inference = Measure(() => Infer(images, tensors, kept, output), images);

        return new IntakeFigures(decode, rejected, inference, batchSize);
    }

    /// <summary>Wall-clock and process CPU time of <paramref name="work"/>; CPU time tells how much of the cores the phase got on a busy machine.</summary>
    private static PhaseFigures Measure(Action work, int images)
    {
        using var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        work();
        clock.Stop();
        process.Refresh();
        return new PhaseFigures(images, clock.Elapsed.TotalSeconds, (process.TotalProcessorTime - cpuBefore).TotalSeconds);
    }

    /// <summary>
    /// Intake of the first <paramref name="count"/> images on all cores; the first <paramref name="kept"/> land in
    /// <paramref name="tensors"/> for the model phase, the rest in a per-thread scratch buffer.
    /// Returns how many were rejected (counted, since a real catalog may hold a bad file).
    /// </summary>
    private int Decode(IReadOnlyList<string> paths, int count, float[] tensors, int kept)
    {
        var length = _spec.TensorLength;
        var limits = new IntakeLimits();
        var rejected = 0;
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount },
            () => new float[length],
            (i, _, scratch) =>
            {
                var destination = i < kept ? tensors.AsSpan(i * length, length) : scratch;
                try
                {
                    var bytes = File.ReadAllBytes(paths[i]);
                    using var square = ImageIntake.DecodeSquare(bytes, _spec.InputSize, limits);
                    TensorWriter.Write(square, _spec, destination);
                }
                catch (ImageRejectedException)
                {
                    Interlocked.Increment(ref rejected);
                }
                return scratch;
            },
            _ => { });
        return rejected;
    }

    /// <summary>
    /// ceil(images / batch) inference calls, cycling over the kept tensors. Either all images
    /// were kept (so batch b's slice lies inside them) or a whole number of full batches was, so
    /// no slice runs past the kept ones.
    /// </summary>
    private void Infer(int images, float[] tensors, int kept, float[] output)
    {
        var length = _spec.TensorLength;
        var keptBatches = (kept + batchSize - 1) / batchSize;
        for (int done = 0, batch = 0; done < images; done += batchSize, batch++)
        {
            var count = Math.Min(batchSize, images - done);
            var start = batch % keptBatches * batchSize;
            model.Embed(tensors.AsMemory(start * length, count * length), count, output);
        }
    }
}
