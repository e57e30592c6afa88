using ColorVariants.Api.Tests;
using ColorVariants.Cli.Import;
using ColorVariants.Core.Catalog;

namespace ColorVariants.Cli.Tests.Import;

/// <summary>The CLI's importer against the service: bad rows reported by line, the rest imported, reruns idempotent.</summary>
public sealed class ImportTests(CatalogApiFactory factory) : IClassFixture<CatalogApiFactory>, IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("import-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task Imports_good_rows_lists_bad_ones_and_a_rerun_changes_nothing()
    {
        Directory.CreateDirectory(Path.Combine(_folder, "img"));
        File.WriteAllBytes(Path.Combine(_folder, "img", "a.jpg"), Uploads.Product(0, Uploads.Red));
        File.WriteAllBytes(Path.Combine(_folder, "img", "b.jpg"), Uploads.Product(0, Uploads.Blue));
        File.WriteAllBytes(Path.Combine(_folder, "img", "c.jpg"), Uploads.Product(1, Uploads.Red));
        File.WriteAllText(Path.Combine(_folder, "img", "broken.jpg"), "not an image");
        File.WriteAllText(Path.Combine(_folder, "catalog.csv"), """
            sku,image,style,category,name,colour,season
            0001,img/a.jpg,s1,Dress,Square dress,Red,summer
            0002,img/b.jpg,s1,Dress,Square dress,Blue,summer
            0003,img/broken.jpg,s2,Dress,Broken,Red,
            0001,img/c.jpg,s3,Dress,Duplicate,Red,
            0004,img/missing.jpg,s4,Dress,Missing,Red,
            0005,img/c.jpg,s5,Dress,Disc dress,Red,winter
            """);
        var catalog = CatalogFolder.Read(_folder);
        var importer = new CatalogImporter(factory.CreateClient());
        var reports = new List<ImportProgress>();

        var first = await importer.ImportAsync(catalog, new ImportOptions { Concurrency = 3 }, new Progress(reports));

        Assert.Equal((6, 3, 0, 0, 3), (first.Counts.Total, first.Counts.Created, first.Counts.Replaced, first.Counts.Unchanged, first.Counts.Failed));
        Assert.Equal([4, 5, 6], first.Failures.Select(f => f.Line));
        Assert.Contains("415", first.Failures[0].Reason);
        Assert.Contains("already on line 2", first.Failures[1].Reason);
        Assert.Contains("does not exist", first.Failures[2].Reason);
        Assert.Equal(6, reports[^1].Finished);
        Assert.Equal("winter", (await factory.ScalarAsync("SELECT attributes->>'season' FROM products WHERE sku = '0005'")));
        // The style column is sent as the attribute the variant threshold is calibrated on.
        Assert.Equal("s5", (await factory.ScalarAsync("SELECT attributes->>'style' FROM products WHERE sku = '0005'")));

        var second = await importer.ImportAsync(catalog, new ImportOptions { Concurrency = 3 });
        Assert.Equal((0, 0, 3, 3), (second.Counts.Created, second.Counts.Replaced, second.Counts.Unchanged, second.Counts.Failed));
        // Only this test's rows: the class's other test shares the schema and may have run first.
        Assert.Equal(3L, await factory.ScalarAsync("SELECT count(*) FROM products WHERE sku LIKE '000_'"));
        Assert.Equal(3L, await factory.ScalarAsync("SELECT count(*) FROM embeddings WHERE sku LIKE '000_'"));
    }

    /// <summary>
    /// Issue 9, bug 8: a 503 (with Retry-After) and a timed-out attempt are retried; a row the
    /// service keeps refusing or never answers fails with its line; the run goes on and ends.
    /// </summary>
    [Fact]
    public async Task Retries_honour_retry_after_and_a_503_or_a_timeout_fails_only_its_own_row()
    {
        Directory.CreateDirectory(Path.Combine(_folder, "img"));
        var rows = new[] { "ok", "busy-once", "slow-once", "busy-always", "slow-always" };
        for (var i = 0; i < rows.Length; i++)
            File.WriteAllBytes(Path.Combine(_folder, "img", $"{rows[i]}.jpg"), Uploads.Product(i % 4, i < 4 ? Uploads.Green : Uploads.Black));
        File.WriteAllText(Path.Combine(_folder, "catalog.csv"),
            "sku,image,style,category\n" + string.Concat(rows.Select(r => $"{r},img/{r}.jpg,{r},Top\n")));
        var faults = new FaultyHandler(factory.Server.CreateHandler());
        // An attempt timeout far above a real upload on a busy machine, so only the stalled rows meet it
        // (a good row would fail only if all three of its attempts took that long).
        var resilience = new ImportResilience
        {
            AttemptTimeout = TimeSpan.FromSeconds(5),
            TotalTimeout = TimeSpan.FromMinutes(2),
            MaxRetries = 2,
            BaseDelay = TimeSpan.FromMilliseconds(10),
            MaxDelay = TimeSpan.FromMilliseconds(100),
        };
        using var http = new ImportHttp(new Uri("http://localhost/"), resilience, () => faults);

        var result = await new CatalogImporter(http.Client).ImportAsync(CatalogFolder.Read(_folder), new ImportOptions { Concurrency = 5 });

        Assert.Equal((5, 3, 2), (result.Counts.Total, result.Counts.Created, result.Counts.Failed));
        Assert.Equal([5, 6], result.Failures.Select(f => f.Line));
        Assert.Contains("503", result.Failures[0].Reason);
        Assert.Contains("timeout", result.Failures[1].Reason, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(3, faults.Attempts("busy-always").Count); // the first try and 2 retries
        Assert.Equal(3, faults.Attempts("slow-always").Count);
        var busy = faults.Attempts("busy-once");
        Assert.True(busy.Count >= 2, $"{busy.Count} attempts"); // 2, unless the real upload itself took over 5 s
        Assert.True(busy[1] - busy[0] >= TimeSpan.FromMilliseconds(900), $"retried after {(busy[1] - busy[0]).TotalMilliseconds} ms, not after Retry-After: 1");
        Assert.True(faults.Attempts("slow-once").Count >= 2);
        Assert.Equal(3L, await factory.ScalarAsync("SELECT count(*) FROM products WHERE sku IN ('ok', 'busy-once', 'slow-once')"));
    }

    /// <summary>In front of the test server: answers or stalls by the sku in the path, and notes when each attempt came.</summary>
    private sealed class FaultyHandler(HttpMessageHandler server) : DelegatingHandler(server)
    {
        private readonly Dictionary<string, List<TimeSpan>> _attempts = [];
        private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();

        public List<TimeSpan> Attempts(string sku)
        {
            lock (_attempts) return _attempts.TryGetValue(sku, out var times) ? [.. times] : [];
        }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var sku = request.RequestUri!.Segments[^1];
            int attempt;
            lock (_attempts)
            {
                if (!_attempts.TryGetValue(sku, out var times)) _attempts[sku] = times = [];
                times.Add(_clock.Elapsed);
                attempt = times.Count;
            }
            switch (sku)
            {
                case "busy-once" when attempt == 1:
                    return new HttpResponseMessage(System.Net.HttpStatusCode.ServiceUnavailable) { Headers = { RetryAfter = new(TimeSpan.FromSeconds(1)) } };
                case "busy-always":
                    return new HttpResponseMessage(System.Net.HttpStatusCode.ServiceUnavailable);
                case "slow-once" when attempt == 1:
                case "slow-always":
                    await Task.Delay(Timeout.Infinite, cancellationToken);
                    break;
            }
            return await base.SendAsync(request, cancellationToken);
        }
    }

    private sealed class Progress(List<ImportProgress> reports) : IProgress<ImportProgress>
    {
        public void Report(ImportProgress value)
        {
            lock (reports) reports.Add(value);
        }
    }
}
