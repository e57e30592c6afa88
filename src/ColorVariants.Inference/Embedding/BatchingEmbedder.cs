using System.Buffers;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace ColorVariants.Inference.Embedding;

public sealed record BatchingOptions
{
    /// <summary>Most images in one inference call.</summary>
    public int MaxBatchSize { get; init; } = 16;
    /// <summary>How long the first image of a batch waits for others.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromMilliseconds(5);
    /// <summary>Images waiting at most; callers past it wait for room (back-pressure).</summary>
    public int QueueCapacity { get; init; } = 256;
}

/// <summary>
/// Gathers concurrent requests into one inference call: up to <see cref="BatchingOptions.MaxBatchSize"/>
/// images, or what arrived within <see cref="BatchingOptions.MaxDelay"/> of the first. Callers
/// decode and preprocess on their own threads while the single inference loop runs, so decoding
/// overlaps inference.
/// </summary>
public sealed class BatchingEmbedder : IAsyncDisposable
{
    private readonly EmbeddingModel _model;
    private readonly BatchingOptions _options;
    private readonly ILogger? _logger;
    private readonly Action<int, TimeSpan>? _onBatch;
    private readonly Channel<Request> _queue;
    private readonly Task _loop;

    /// <param name="onBatch">Told the size and inference time of every batch that went through (the service's meters).</param>
    public BatchingEmbedder(EmbeddingModel model, BatchingOptions options, ILogger? logger = null, Action<int, TimeSpan>? onBatch = null)
    {
        _model = model;
        _options = options;
        _logger = logger;
        _onBatch = onBatch;
        _queue = Channel.CreateBounded<Request>(new BoundedChannelOptions(options.QueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _loop = Task.Factory.StartNew(RunAsync, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
    }

    public EmbeddingModel Model => _model;

    /// <summary>A buffer for one preprocessed image; hand it to <see cref="EmbedAsync"/>, which returns it to the pool.</summary>
    public float[] RentInput() => ArrayPool<float>.Shared.Rent(_model.Preprocessing.TensorLength);

    /// <summary>Embeds one preprocessed image (from <see cref="RentInput"/>; this call takes ownership of it).</summary>
    public async Task<float[]> EmbedAsync(float[] input, CancellationToken cancellationToken = default)
    {
        var request = new Request(input);
        try
        {
            await _queue.Writer.WriteAsync(request, cancellationToken);
        }
        catch
        {
            ArrayPool<float>.Shared.Return(input);
            throw;
        }
        return await request.Result.Task.WaitAsync(cancellationToken);
    }

    private async Task RunAsync()
    {
        var length = _model.Preprocessing.TensorLength;
        var inputs = new float[_options.MaxBatchSize * length];
        var outputs = new float[_options.MaxBatchSize * _model.Dimensions];
        var batch = new List<Request>(_options.MaxBatchSize);
        var reader = _queue.Reader;

        while (await reader.WaitToReadAsync())
        {
            if (!reader.TryRead(out var first)) continue;
            batch.Add(first);
            var deadline = DateTime.UtcNow + _options.MaxDelay;
            while (batch.Count < _options.MaxBatchSize)
            {
                if (reader.TryRead(out var next)) { batch.Add(next); continue; }
                var wait = deadline - DateTime.UtcNow;
                if (wait <= TimeSpan.Zero) break;
                using var timeout = new CancellationTokenSource(wait);
                try
                {
                    if (!await reader.WaitToReadAsync(timeout.Token)) break;
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }

            for (var i = 0; i < batch.Count; i++)
            {
                batch[i].Input.AsSpan(0, length).CopyTo(inputs.AsSpan(i * length, length));
                ArrayPool<float>.Shared.Return(batch[i].Input);
            }
            try
            {
                var started = System.Diagnostics.Stopwatch.GetTimestamp();
                _model.Embed(inputs, batch.Count, outputs);
                _onBatch?.Invoke(batch.Count, System.Diagnostics.Stopwatch.GetElapsedTime(started));
                for (var i = 0; i < batch.Count; i++)
                    batch[i].Result.TrySetResult(outputs.AsSpan(i * _model.Dimensions, _model.Dimensions).ToArray());
            }
            catch (Exception e)
            {
                _logger?.LogError(e, "Inference failed for a batch of {Count} images.", batch.Count);
                foreach (var request in batch) request.Result.TrySetException(e);
            }
            batch.Clear();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop;
    }

    private sealed record Request(float[] Input)
    {
        public TaskCompletionSource<float[]> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
