using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Polly;
using Polly.CircuitBreaker;

namespace ColorVariants.Cli.Import;

/// <summary>How hard an import tries before a row counts as failed.</summary>
public sealed record ImportResilience
{
    /// <summary>One upload; it may wait in the service's queue behind hundreds of others on a small machine.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromMinutes(2);
    /// <summary>All attempts of one row together, waits included: long enough to ride out a database restart.</summary>
    public TimeSpan TotalTimeout { get; init; } = TimeSpan.FromMinutes(10);
    public int MaxRetries { get; init; } = 8;
    /// <summary>First wait between attempts, doubled each time (with jitter) unless the service sent Retry-After.</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromSeconds(1);
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// The import's HttpClient, behind Microsoft.Extensions.Http.Resilience's standard handler:
/// retries of transient failures (429, 5xx, 408, connection errors, attempt timeouts) with
/// exponential backoff and jitter, Retry-After honoured (the service sends it with 429 and 503),
/// a timeout per attempt and one per row. Its circuit breaker stays, and an open circuit is
/// retried too: an outage of the service is waited out, not turned into failed rows.
/// </summary>
public sealed class ImportHttp : IDisposable
{
    private readonly ServiceProvider _services;

    /// <param name="primaryHandler">The handler under the resilience one; the tests put a faulty one there.</param>
    public ImportHttp(Uri api, ImportResilience? resilience = null, Func<HttpMessageHandler>? primaryHandler = null)
    {
        var settings = resilience ?? new ImportResilience();
        var services = new ServiceCollection();
        var client = services.AddHttpClient(nameof(ImportHttp), http =>
        {
            http.BaseAddress = new Uri(api.ToString().TrimEnd('/') + "/");
            http.Timeout = Timeout.InfiniteTimeSpan; // the pipeline's timeouts rule; HttpClient's own would escape as a TaskCanceledException
        });
        if (primaryHandler is not null) client.ConfigurePrimaryHttpMessageHandler(primaryHandler);
        client.AddStandardResilienceHandler(options =>
        {
            options.AttemptTimeout.Timeout = settings.AttemptTimeout;
            options.TotalRequestTimeout.Timeout = settings.TotalTimeout;
            options.CircuitBreaker.SamplingDuration = settings.AttemptTimeout * 2 > TimeSpan.FromSeconds(30) ? settings.AttemptTimeout * 2 : TimeSpan.FromSeconds(30);
            options.Retry.MaxRetryAttempts = settings.MaxRetries;
            options.Retry.Delay = settings.BaseDelay;
            options.Retry.MaxDelay = settings.MaxDelay;
            options.Retry.BackoffType = DelayBackoffType.Exponential;
            options.Retry.UseJitter = true;
            options.Retry.ShouldRetryAfterHeader = true;
            options.Retry.ShouldHandle = args => ValueTask.FromResult(
                HttpClientResiliencePredicates.IsTransient(args.Outcome) || args.Outcome.Exception is BrokenCircuitException);
        });
        _services = services.BuildServiceProvider();
        Client = _services.GetRequiredService<IHttpClientFactory>().CreateClient(nameof(ImportHttp));
    }

    public HttpClient Client { get; }

    public void Dispose()
    {
        Client.Dispose();
        _services.Dispose();
    }
}
