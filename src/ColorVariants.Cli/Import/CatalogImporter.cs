using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using ColorVariants.Core.Catalog;

namespace ColorVariants.Cli.Import;

public sealed record ImportOptions
{
    /// <summary>Uploads in flight at once; the service batches concurrent ones into one inference call.</summary>
    public int Concurrency { get; init; } = 8;
    public string? ApiKey { get; init; }
}

public sealed record ImportFailure(int Line, string? Sku, string Reason);

public readonly record struct ImportProgress(int Total, int Created, int Replaced, int Unchanged, int Failed)
{
    public int Finished => Created + Replaced + Unchanged + Failed;
}

public sealed record ImportResult(ImportProgress Counts, IReadOnlyList<ImportFailure> Failures, TimeSpan Elapsed);

/// <summary>
/// Streams a catalog folder to the service: one PUT /products/{sku} per row, a bounded number
/// in flight. A bad row is recorded with its line and reason and the rest go on; a rerun sends
/// the same content again, which the service answers as unchanged. Retries and timeouts are the
/// client's (<see cref="ImportHttp"/>); what is still failing after them fails its row only.
/// </summary>
public sealed class CatalogImporter(HttpClient http)
{
    public async Task<ImportResult> ImportAsync(
        CatalogFolder catalog, ImportOptions options, IProgress<ImportProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var started = DateTime.UtcNow;
        var failures = new List<ImportFailure>(catalog.Problems.Select(p => new ImportFailure(p.Line, p.Sku, p.Reason)));
        int created = 0, replaced = 0, unchanged = 0, failed = failures.Count;
        var total = catalog.Entries.Count + catalog.Problems.Count;
        void Report() => progress?.Report(new ImportProgress(total, created, replaced, unchanged, Volatile.Read(ref failed)));
        Report();

        await Parallel.ForEachAsync(catalog.Entries,
            new ParallelOptions { MaxDegreeOfParallelism = options.Concurrency, CancellationToken = cancellationToken },
            async (entry, token) =>
            {
                var (status, reason) = await UploadAsync(entry, options, token);
                switch (status)
                {
                    case HttpStatusCode.Created: Interlocked.Increment(ref created); break;
                    case HttpStatusCode.OK when reason == "unchanged": Interlocked.Increment(ref unchanged); break;
                    case HttpStatusCode.OK: Interlocked.Increment(ref replaced); break;
                    default:
                        lock (failures) failures.Add(new ImportFailure(entry.Line, entry.Sku, reason));
                        Interlocked.Increment(ref failed);
                        break;
                }
                Report();
            });

        failures.Sort((a, b) => a.Line.CompareTo(b.Line));
        return new ImportResult(new ImportProgress(total, created, replaced, unchanged, failed), failures, DateTime.UtcNow - started);
    }

    private async Task<(HttpStatusCode? Status, string Reason)> UploadAsync(CatalogEntry entry, ImportOptions options, CancellationToken cancellationToken)
    {
        byte[] image;
        try
        {
            image = await File.ReadAllBytesAsync(entry.ImagePath, cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (null, $"The image cannot be read: {e.Message}");
        }

        using var request = new HttpRequestMessage(HttpMethod.Put, $"products/{Uri.EscapeDataString(entry.Sku)}")
        {
            Content = Form(entry, image),
        };
        if (!string.IsNullOrEmpty(options.ApiKey)) request.Headers.Add("X-Api-Key", options.ApiKey);
        try
        {
            using var response = await http.SendAsync(request, cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                var outcome = response.Headers.TryGetValues("Catalog-Outcome", out var values) ? values.FirstOrDefault() : null;
                return (response.StatusCode, outcome ?? "");
            }
            return (response.StatusCode, await DescribeAsync(response, cancellationToken));
        }
        // Whatever ends this row (no answer, a timeout, an open circuit) ends only this row; stopping the import is the caller's token alone.
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            return (null, $"The service did not answer: {e.Message}");
        }
    }

    private static MultipartFormDataContent Form(CatalogEntry entry, byte[] image)
    {
        var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(image);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(file, "image", Path.GetFileName(entry.ImagePath));
        if (entry.Category is not null) form.Add(new StringContent(entry.Category), "category");
        if (entry.Name is not null) form.Add(new StringContent(entry.Name), "name");
        if (entry.Colour is not null) form.Add(new StringContent(entry.Colour), "colour");
        // The style travels as an attribute: the service calibrates its variant threshold on it (Variants:LabelAttribute).
        var attributes = entry.Style is { Length: > 0 } style ? new Dictionary<string, string>(entry.Attributes) { ["style"] = style } : entry.Attributes;
        if (attributes.Count > 0) form.Add(new StringContent(JsonSerializer.Serialize(attributes)), "attributes");
        return form;
    }

    private static async Task<string> DescribeAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = $"{(int)response.StatusCode} {response.ReasonPhrase}";
        try
        {
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
            if (problem.ValueKind == JsonValueKind.Object && problem.TryGetProperty("detail", out var detail))
                return $"{status}: {detail.GetString()}";
        }
        catch (JsonException)
        {
        }
        return status;
    }
}
