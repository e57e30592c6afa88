using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;
using ColorVariants.Core.Catalog;
using ColorVariants.Training.Trainers;

namespace ColorVariants.Training.Data;

/// <summary>A reviewer's verdict on two products, <see cref="SkuA"/> before <see cref="SkuB"/> in ordinal order.</summary>
public sealed record ReviewPair(string SkuA, string SkuB, bool Confirmed);

/// <summary>
/// Reviewers' verdicts for triplet training, read from the CSV the service's GET /reviews/export
/// writes (a header naming sku_a, sku_b and verdict; other columns are ignored) or from the service
/// itself. Kept in <see cref="TrainingOptions"/>: the checkpoint and training.json get the source,
/// the fingerprint and the counts, not the pairs.
/// </summary>
public sealed record ReviewLabels
{
    public const string ExportPath = "/reviews/export";
    public const int ListedProblems = 20;

    /// <summary>The file's full path or the URL the verdicts came from.</summary>
    public required string Source { get; init; }

    /// <summary>SHA-256 of the pairs and their verdicts, sorted: reviewers, times and line order do not change it.</summary>
    public required string Fingerprint { get; init; }

    public int Confirmed { get; init; }
    public int Rejected { get; init; }

    /// <summary>One verdict per pair (the last one given), in ordinal order of the pair.</summary>
    [JsonIgnore]
    public IReadOnlyList<ReviewPair> Pairs { get; init; } = [];

    /// <summary>Reads a file, or for an http(s) URL the service's export (<paramref name="apiKey"/> sent as X-Api-Key).</summary>
    public static async Task<ReviewLabels> ReadAsync(string fileOrUrl, string? apiKey, HttpMessageHandler? handler = null,
        CancellationToken cancellationToken = default)
    {
        if (ExportUrl(fileOrUrl) is not { } url)
        {
            var path = Path.GetFullPath(fileOrUrl);
            if (!File.Exists(path)) throw new TrainingException($"No labels file {path}.");
            using var file = new StreamReader(path, detectEncodingFromByteOrderMarks: true);
            return Parse(file, path);
        }

        using var http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (!string.IsNullOrEmpty(apiKey)) request.Headers.Add("X-Api-Key", apiKey);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/csv"));
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                var body = await response.Content.ReadAsStringAsync(cancellationToken);
                throw new TrainingException($"{url} answered {(int)response.StatusCode} {response.ReasonPhrase}" +
                                            (body.Length > 0 ? $": {body[..Math.Min(body.Length, 300)]}" : "."));
            }
            using var text = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken), Encoding.UTF8);
            return Parse(text, url.ToString());
        }
        catch (HttpRequestException e)
        {
            throw new TrainingException($"The verdicts cannot be fetched from {url}: {e.Message}");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TrainingException($"{url} did not answer within {http.Timeout.TotalSeconds:0} s.");
        }
    }

    /// <summary>The export URL for an http(s) address (the service's base, or the export itself); null for a file.</summary>
    public static Uri? ExportUrl(string fileOrUrl)
    {
        if (!Uri.TryCreate(fileOrUrl, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")) return null;
        var path = uri.AbsolutePath.TrimEnd('/');
        if (path.EndsWith(ExportPath, StringComparison.Ordinal)) return uri;
        return new UriBuilder(uri) { Path = path + ExportPath }.Uri;
    }

    /// <summary>
    /// Parses the CSV; a later line on the same pair (either order) replaces an earlier one, as the service does.
    /// Throws <see cref="TrainingException"/> listing every bad line (the first <see cref="ListedProblems"/>, then a count).
    /// </summary>
    public static ReviewLabels Parse(TextReader text, string source)
    {
        var csv = new CsvReader(text);
        var header = csv.Read() ?? throw new TrainingException($"{source} is empty: it needs a header with sku_a, sku_b and verdict.");
        var columns = header.Fields.Select(f => f.Trim().ToLowerInvariant()).ToList();
        var (a, b, v) = (columns.IndexOf("sku_a"), columns.IndexOf("sku_b"), columns.IndexOf("verdict"));
        if (a < 0 || b < 0 || v < 0)
            throw new TrainingException($"{source}, line 1: the header must name the columns sku_a, sku_b and verdict; it has {string.Join(',', header.Fields)}.");

        var verdicts = new Dictionary<(string, string), bool>();
        var problems = new List<string>();
        while (csv.Read() is var (line, fields))
        {
            if (fields is [""]) continue; // a blank line
            var before = problems.Count;
            void Problem(string what) => problems.Add(string.Create(CultureInfo.InvariantCulture, $"line {line}: {what}"));
            if (fields.Count != columns.Count)
            {
                Problem($"the row has {fields.Count} fields; the header has {columns.Count}");
                continue;
            }
            var skuA = fields[a].Trim();
            var skuB = fields[b].Trim();
            var verdict = fields[v].Trim();
            foreach (var (name, sku) in new[] { ("sku_a", skuA), ("sku_b", skuB) })
            {
                if (sku.Length == 0) Problem($"{name} is missing");
                else if (!Sku.IsValid(sku)) Problem($"{name}: {Sku.Describe(sku)}");
            }
            if (skuA.Length > 0 && skuA == skuB) Problem($"sku_a and sku_b are both '{skuA}': a verdict is on two different products");
            bool? confirmed = verdict.ToLowerInvariant() switch { "confirmed" => true, "rejected" => false, _ => null };
            if (verdict.Length == 0) Problem("verdict is missing");
            else if (confirmed is null) Problem($"verdict '{verdict}' is not confirmed or rejected");
            if (problems.Count == before)
                verdicts[string.CompareOrdinal(skuA, skuB) < 0 ? (skuA, skuB) : (skuB, skuA)] = confirmed!.Value;
        }

        if (problems.Count > 0)
        {
            var listed = string.Join('\n', problems.Take(ListedProblems));
            var more = problems.Count > ListedProblems ? $"\n... and {problems.Count - ListedProblems} more" : "";
            throw new TrainingException($"{source} has {problems.Count} problem{(problems.Count == 1 ? "" : "s")}:\n{listed}{more}");
        }
        if (verdicts.Count == 0) throw new TrainingException($"{source} holds no verdicts.");

        var pairs = verdicts
            .Select(p => new ReviewPair(p.Key.Item1, p.Key.Item2, p.Value))
            .OrderBy(p => p.SkuA, StringComparer.Ordinal).ThenBy(p => p.SkuB, StringComparer.Ordinal)
            .ToList();
        var canonical = string.Concat(pairs.Select(p => $"{p.SkuA},{p.SkuB},{(p.Confirmed ? "confirmed" : "rejected")}\n"));
        return new ReviewLabels
        {
            Source = source,
            Fingerprint = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical))),
            Confirmed = pairs.Count(p => p.Confirmed),
            Rejected = pairs.Count(p => !p.Confirmed),
            Pairs = pairs,
        };
    }
}
