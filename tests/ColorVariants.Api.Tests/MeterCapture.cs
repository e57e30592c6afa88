using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using ColorVariants.Api.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace ColorVariants.Api.Tests;

/// <summary>
/// The measurements of one test server's "ColorVariants" meter. Only instruments made by that
/// server's IMeterFactory are heard, so test classes running side by side do not mix.
/// </summary>
public sealed class MeterCapture : IDisposable
{
    private readonly MeterListener _listener = new();

    public MeterCapture(IServiceProvider services)
    {
        var factory = services.GetRequiredService<IMeterFactory>();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == ServiceMetrics.MeterName && ReferenceEquals(instrument.Meter.Scope, factory))
                listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.Start();
    }

    public sealed record Measurement(double Value, IReadOnlyDictionary<string, string?> Tags);

    public ConcurrentQueue<(string Instrument, Measurement Measurement)> Measurements { get; } = new();

    public List<Measurement> Of(string instrument) => Measurements.Where(m => m.Instrument == instrument).Select(m => m.Measurement).ToList();

    /// <summary>Reads the observable instruments (the re-embedding gauges) now.</summary>
    public void Observe() => _listener.RecordObservableInstruments();

    public void Clear() => Measurements.Clear();

    private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var copied = new Dictionary<string, string?>();
        foreach (var (key, tagValue) in tags) copied[key] = tagValue?.ToString();
        Measurements.Enqueue((instrument.Name, new Measurement(value, copied)));
    }

    public void Dispose() => _listener.Dispose();
}
