using System.Buffers;
using ColorVariants.Api.Infrastructure;
using ColorVariants.Core.Images;
using ColorVariants.Inference.Embedding;
using ColorVariants.Inference.Models;
using Microsoft.Extensions.Options;

namespace ColorVariants.Api.Embedding;

/// <summary>
/// The process's one model session and its batching queue. Callers decode and preprocess on
/// their own request threads; inference runs batched on the queue's thread.
/// </summary>
public sealed class ImageEmbedder : IAsyncDisposable
{
    private readonly BatchingEmbedder _batching;

    private readonly ServiceMetrics _metrics;

    public ImageEmbedder(IOptions<EmbeddingOptions> options, IOptions<UploadOptions> uploads, ServiceMetrics metrics, ILogger<ImageEmbedder> logger)
    {
        _metrics = metrics;
        var settings = options.Value;
        var path = string.IsNullOrWhiteSpace(settings.ModelPath)
            ? DefaultModel.EnsurePrepared(Path.Combine(settings.ModelDirectory ?? Path.Combine(AppContext.BaseDirectory, "models"), DefaultModel.FileName))
            : settings.ModelPath;
        Model = EmbeddingModel.Load(path, settings.Device, logger, settings.IntraOpThreads);
        Limits = new IntakeLimits { MaxBytes = uploads.Value.MaxImageBytes, MaxPixels = uploads.Value.MaxImagePixels };
        DecodeBudget = new PixelBudget(uploads.Value.DecodePixelBudget);
        _batching = new BatchingEmbedder(Model, new BatchingOptions
        {
            MaxBatchSize = settings.MaxBatchSize,
            MaxDelay = TimeSpan.FromMilliseconds(settings.MaxBatchDelayMilliseconds),
        }, logger, metrics.InferenceBatch);
    }

    public EmbeddingModel Model { get; }
    public IntakeLimits Limits { get; }

    /// <summary>Pixels decoded at once (Upload:DecodePixelBudget): what bounds decode memory.</summary>
    public PixelBudget DecodeBudget { get; }

    /// <summary>Reads an uploaded file into memory, refusing one over the byte limit before reading it.</summary>
    public async Task<byte[]> ReadUploadAsync(IFormFile file, CancellationToken cancellationToken)
    {
        if (file.Length > Limits.MaxBytes)
            throw new ImageRejectedException(ImageRejection.TooLarge, $"The image has {file.Length:N0} bytes; the limit is {Limits.MaxBytes:N0}.");
        var content = new byte[file.Length];
        await using var stream = file.OpenReadStream();
        await stream.ReadExactlyAsync(content, cancellationToken);
        return content;
    }

    /// <summary>
    /// Inspects, decodes, letterboxes and embeds an image, and with <paramref name="readSwatch"/> reads
    /// its swatch on the way (what an upload stores): the one place an image's header is inspected.
    /// Throws <see cref="ImageRejectedException"/> for bad input.
    /// </summary>
    public async Task<EmbeddedImage> EmbedAsync(ReadOnlyMemory<byte> image, bool readSwatch, CancellationToken cancellationToken)
    {
        var spec = Model.Preprocessing;
        // The header says how many pixels the decode will hold; it waits for them in the budget
        // and gives them back once the picture is a model-sized tensor, before inference.
        var header = ImageIntake.Inspect(image, Limits);
        var input = _batching.RentInput();
        Swatch? swatch;
        try
        {
            using (await DecodeBudget.AcquireAsync((long)header.Width * header.Height, cancellationToken))
            {
                using var square = ImageIntake.DecodeSquare(image, spec.InputSize, header, readSwatch, out swatch);
                TensorWriter.Write(square, spec, input.AsSpan(0, spec.TensorLength));
            }
        }
        catch
        {
            ArrayPool<float>.Shared.Return(input);
            throw;
        }
        _metrics.InferenceQueued();
        try
        {
            return new EmbeddedImage(header, await _batching.EmbedAsync(input, cancellationToken), swatch);
        }
        finally
        {
            _metrics.InferenceAnswered();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _batching.DisposeAsync();
        Model.Dispose();
    }
}

/// <summary>An image as intake read it, the model's raw vector of it, and its swatch when it was asked for.</summary>
public sealed record EmbeddedImage(ImageHeader Header, float[] Raw, Swatch? Swatch);
