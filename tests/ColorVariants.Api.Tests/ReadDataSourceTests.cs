using ColorVariants.Api.Storage;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace ColorVariants.Api.Tests;

/// <summary>
/// ConnectionStrings:CatalogRead names the primary and a standby that is down (port 1): reads that
/// prefer a standby still connect, to the primary, and the store's client reads go through it
/// (docs/SCALING.md).
/// </summary>
public sealed class ReadReplicaFactory : CatalogApiFactory
{
    public string ReadConnectionString
    {
        get
        {
            var primary = new NpgsqlConnectionStringBuilder(ConnectionString);
            return new NpgsqlConnectionStringBuilder(ConnectionString)
            {
                Host = $"{primary.Host}:{primary.Port},127.0.0.1:1",
                TargetSessionAttributes = "prefer-standby",
                LoadBalanceHosts = true,
                Timeout = 5,
            }.ConnectionString;
        }
    }

    protected override IEnumerable<KeyValuePair<string, string?>> Settings => [new("ConnectionStrings:CatalogRead", ReadConnectionString)];
}

public class ReadDataSourceTests(ReadReplicaFactory factory) : IClassFixture<ReadReplicaFactory>
{
    [Fact]
    public async Task Reads_prefer_a_standby_and_fall_back_to_the_primary_when_none_answers()
    {
        var sources = factory.Services.GetRequiredService<CatalogDataSources>();
        var read = sources.Reads;
        Assert.NotSame(sources.Writes, read);
        Assert.Contains("prefer-standby", read.ConnectionString, StringComparison.OrdinalIgnoreCase);
        for (var i = 0; i < 4; i++) // load balancing tries the dead host first on some of them
        {
            await using var command = read.CreateCommand("SELECT pg_is_in_recovery()");
            Assert.Equal(false, await command.ExecuteScalarAsync());
        }
    }
}

public class DefaultReadDataSourceTests(CatalogApiFactory factory) : IClassFixture<CatalogApiFactory>
{
    [Fact]
    public void Without_a_read_connection_string_reads_use_the_catalogs_source()
    {
        var sources = factory.Services.GetRequiredService<CatalogDataSources>();
        Assert.Same(sources.Writes, sources.Reads);
    }
}

/// <summary>Every pool's sessions start with the settings the searches were measured with (deploy/bench/README.md).</summary>
public class SessionSettingsTests(CatalogApiFactory factory) : IClassFixture<CatalogApiFactory>
{
    [Fact]
    public async Task Every_pool_runs_without_jit_and_the_search_pool_without_sorts()
    {
        var sources = factory.Services.GetRequiredService<CatalogDataSources>();
        async Task<string?> Show(NpgsqlDataSource source, string setting)
        {
            await using var command = source.CreateCommand($"SHOW {setting}");
            return (string?)await command.ExecuteScalarAsync();
        }
        // JIT-compiling the variant statement cost 15 x its CPU; sorts off keep the exact branch on the planned path.
        Assert.Equal(("off", "off", "off", "on", "off"), (await Show(sources.Writes, "jit"), await Show(sources.Reads, "jit"),
            await Show(sources.Searches, "jit"), await Show(sources.Writes, "enable_sort"), await Show(sources.Searches, "enable_sort")));
        Assert.Equal(("80", "strict_order", "8"), (await Show(sources.Searches, "hnsw.ef_search"), await Show(sources.Searches, "hnsw.iterative_scan"),
            await Show(sources.Searches, "hnsw.scan_mem_multiplier")));
    }
}
