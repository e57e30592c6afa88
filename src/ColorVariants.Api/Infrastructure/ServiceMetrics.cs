using System.Diagnostics.Metrics;
using ColorVariants.Api.Storage;

namespace ColorVariants.Api.Infrastructure;

/// <summary>
/// The service's own meters, on one Meter named <see cref="MeterName"/> (exported with the
/// framework's when OpenTelemetry is on, ServiceRegistration): inference batch size, queue depth
/// and latency, search latency by the way it was answered, and re-embedding progress.
/// </summary>
public sealed class ServiceMetrics
{
    public const string MeterName = "ColorVariants";

    /// <summary>The tag that says how a search was answered: <c>exact</c> or <c>hnsw</c>.</summary>
    public const string SearchMethodTag = "colorvariants.search.method";

    private static readonly double[] SecondsBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly Histogram<int> _batchSize;
    private readonly Histogram<double> _inferenceDuration;
    private readonly UpDownCounter<int> _inferenceQueued;
    private readonly Histogram<double> _searchDuration;
    private long _reembedDone;
    private long _reembedTotal;

    public ServiceMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _batchSize = meter.CreateHistogram("colorvariants.inference.batch_size", "{image}", "Images per inference call",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, 256] });
        _inferenceDuration = meter.CreateHistogram("colorvariants.inference.duration", "s", "Time of one inference call (a whole batch)",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });
        _inferenceQueued = meter.CreateUpDownCounter<int>("colorvariants.inference.queue_depth", "{image}",
            "Images handed to the inference queue and not answered yet (waiting or in the running batch)");
        _searchDuration = meter.CreateHistogram("colorvariants.search.duration", "s", "Time of one nearest-neighbour query in the database",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });
        // Observed when read, so a scrape always sees where the current run stands.
        meter.CreateObservableGauge("colorvariants.reembedding.done", () => Interlocked.Read(ref _reembedDone), "{product}",
            "Products re-embedded for the active model in this process's run");
        meter.CreateObservableGauge("colorvariants.reembedding.total", () => Interlocked.Read(ref _reembedTotal), "{product}",
            "Products the current re-embedding run has to embed (done included)");
    }

    /// <summary>For <see cref="ColorVariants.Core.Embedding.BatchingEmbedder"/>'s batch callback.</summary>
    public void InferenceBatch(int images, TimeSpan duration)
    {
        _batchSize.Record(images);
        _inferenceDuration.Record(duration.TotalSeconds);
    }

    public void InferenceQueued() => _inferenceQueued.Add(1);
    public void InferenceAnswered() => _inferenceQueued.Add(-1);

    public void Search(SearchMethod method, TimeSpan duration) =>
        _searchDuration.Record(duration.TotalSeconds, new KeyValuePair<string, object?>(SearchMethodTag, method == SearchMethod.Exact ? "exact" : "hnsw"));

    public void ReembeddingProgress(int done, int total)
    {
        Interlocked.Exchange(ref _reembedDone, done);
        Interlocked.Exchange(ref _reembedTotal, total);
    }
}
