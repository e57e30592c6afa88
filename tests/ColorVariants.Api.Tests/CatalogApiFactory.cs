using System.Collections.Concurrent;
using ColorVariants.Api.Maintenance;
using ColorVariants.Core.Images;
using ColorVariants.Inference.Models;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ColorVariants.Api.Tests;

/// <summary>
/// The real service in-process against the real PostgreSQL + pgvector that deploy/local/test.sh
/// starts. Each factory gets a schema of its own (first on the search path; pgvector's types stay
/// in public), so test classes run side by side and leave nothing behind.
/// </summary>
public class CatalogApiFactory : WebApplicationFactory<Program>, IAsyncLifetime
{
    public const string DefaultConnectionString =
        "Host=127.0.0.1;Port=55432;Username=colorvariants;Password=colorvariants;Database=colorvariants_test";

    public static string BaseConnectionString =>
        Environment.GetEnvironmentVariable("ConnectionStrings__Catalog") is { Length: > 0 } configured ? configured : DefaultConnectionString;

    public string Schema { get; } = $"test_{Guid.NewGuid():N}"[..20];
    public string ConnectionString => new NpgsqlConnectionStringBuilder(BaseConnectionString) { SearchPath = $"{Schema},public" }.ConnectionString;

    /// <summary>Settings a test class needs besides the defaults.</summary>
    protected virtual IEnumerable<KeyValuePair<string, string?>> Settings => [];

    /// <summary>The model served; null for the default model.</summary>
    public virtual string? ModelPath => null;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("ConnectionStrings:Catalog", ConnectionString);
        builder.UseSetting("Embedding:ModelPath", ModelPath ?? "");
        builder.UseSetting("Embedding:ModelDirectory", ModelDirectory);
        // A background refit would re-project vectors in the middle of a test; tests that want one opt in (WhiteningTests).
        builder.UseSetting("Whitening:Enabled", "false");
        foreach (var (key, value) in Settings) builder.UseSetting(key, value);
        builder.ConfigureLogging(logging => logging.AddProvider(new LogCapture(Logs)));
    }

    /// <summary>The service's log lines (Information and above), for tests of what it logs.</summary>
    public ConcurrentQueue<(LogLevel Level, string Message)> Logs { get; } = new();

    /// <summary>One prepared copy of the default models for every test in the run.</summary>
    public static string ModelDirectory { get; } = Path.Combine(AppContext.BaseDirectory, "models");

    public static string PreparedModel(ColourMode mode) => DefaultModel.EnsurePrepared(
        Path.Combine(ModelDirectory, mode == ColourMode.Gray ? DefaultModel.FileName : DefaultModel.FileName.Replace("-gray-", "-rgb-", StringComparison.Ordinal)), mode);

    public async Task InitializeAsync()
    {
        lock (typeof(CatalogApiFactory)) PreparedModel(ColourMode.Gray);
        await ExecuteAsync($"CREATE SCHEMA {Schema}");
        StartServer(); // starts the app (TestServer, or Kestrel for the browser tests): migrations run in the new schema
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await base.DisposeAsync();
        // A background service of the stopped host may still hold locks in the schema for a moment
        // (a clean-clone CI run once failed this cleanup with an NpgsqlException): try a few times.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await ExecuteAsync($"DROP SCHEMA IF EXISTS {Schema} CASCADE");
                return;
            }
            catch (NpgsqlException) when (attempt < 5)
            {
                await Task.Delay(TimeSpan.FromSeconds(attempt));
            }
        }
    }

    /// <summary>
    /// Waits until the active model's HNSW indexes (one per whitening slot) are built and valid: the
    /// start-up's re-embedding job builds them (CREATE INDEX CONCURRENTLY waits for older
    /// transactions, of other test classes too), and until then searches are exact. Both, since a
    /// test's own ANALYZE inside a transaction would deadlock with a build still under way.
    /// </summary>
    public async Task WaitForIndexAsync()
    {
        await this.WhenIdleAsync();
        const string valid = """
            SELECT count(*) = 2 FROM pg_index
            WHERE indisvalid AND indexrelid IN (to_regclass('embeddings_hnsw_model_' || (SELECT id FROM models WHERE active)),
                                                to_regclass('embeddings_hnsw_model_' || (SELECT id FROM models WHERE active) || '_b'))
            """;
        Assert.True(await ScalarAsync(valid) is true, "The active model's two HNSW indexes are not both valid once its start-up work is done.");
    }

    /// <summary>Runs SQL in this factory's schema.</summary>
    public async Task<object?> ScalarAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        return await command.ExecuteScalarAsync();
    }

    private static async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(BaseConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}

/// <summary>Keeps log lines in a queue.</summary>
public sealed class LogCapture(ConcurrentQueue<(LogLevel Level, string Message)> logs) : ILoggerProvider, ILogger
{
    public ILogger CreateLogger(string categoryName) => this;
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;
    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        logs.Enqueue((logLevel, formatter(state, exception)));
    public void Dispose() { }
}

public static class BackgroundWork
{
    /// <summary>
    /// Waits until the service's background work (Api CatalogMaintenance: re-embedding and index,
    /// swatches, whitening checks, regrouping) has nothing queued or running. Five minutes at most:
    /// a regroup of every category under a loaded CI box once took more than 30 s.
    /// </summary>
    public static Task WhenIdleAsync(this WebApplicationFactory<Program> factory) =>
        factory.Services.GetRequiredService<CatalogMaintenance>().WhenIdleAsync().WaitAsync(TimeSpan.FromMinutes(5));
}
