using System.Net;
using System.Security.Cryptography;
using System.Text;
using ColorVariants.Training.Data;
using ColorVariants.Training.Trainers;

namespace ColorVariants.Training.Tests.Data;

public class ReviewLabelsTests
{
    private static ReviewLabels Parse(string csv) => ReviewLabels.Parse(new StringReader(csv), "reviews.csv");

    private static string Sha256(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    [Fact]
    public void A_good_file_gives_one_verdict_per_pair_the_last_one_winning()
    {
        // Columns by name in any order, others ignored; a quoted reviewer over two lines; a blank line; any case.
        var labels = Parse(""""
            reviewer,verdict,sku_b,at,sku_a
            "Lee, ""the eye""",confirmed,a-2,2025-01-01T00:00:00Z,a-1
            team,Rejected,b-1,,a-1
            "two
            lines",CONFIRMED,c-1,,c-2

            team,rejected,a-1,,a-2
            """");

        Assert.Equal([new ReviewPair("a-1", "a-2", false), new ReviewPair("a-1", "b-1", false), new ReviewPair("c-1", "c-2", true)], labels.Pairs);
        Assert.Equal(("reviews.csv", 1, 2), (labels.Source, labels.Confirmed, labels.Rejected));
        Assert.Equal(Sha256("a-1,a-2,rejected\na-1,b-1,rejected\nc-1,c-2,confirmed\n"), labels.Fingerprint);

        // The same verdicts written otherwise have the same fingerprint; another verdict changes it.
        var same = Parse("sku_a,sku_b,verdict\r\nc-2,c-1,confirmed\r\na-1,b-1,rejected\r\na-1,a-2,rejected\r\n");
        Assert.Equal(labels.Fingerprint, same.Fingerprint);
        Assert.NotEqual(labels.Fingerprint, Parse("sku_a,sku_b,verdict\nc-2,c-1,rejected\na-1,b-1,rejected\na-1,a-2,rejected\n").Fingerprint);
    }

    [Fact]
    public void A_malformed_file_is_refused_with_every_bad_line_by_number()
    {
        var error = Assert.Throws<TrainingException>(() => Parse("""
            sku_a,sku_b,verdict
            a-1,a-2,confirmed
            a-1,a-1,confirmed
            a 1,a-2,rejected
            ,a-2,rejected
            a-1,a-3
            a-1,a-4,
            a-1,a-5,maybe
            """));

        Assert.Equal("""
            reviews.csv has 6 problems:
            line 3: sku_a and sku_b are both 'a-1': a verdict is on two different products
            line 4: sku_a: The sku 'a 1' holds characters other than letters, digits, '-', '_' and '.'.
            line 5: sku_a is missing
            line 6: the row has 2 fields; the header has 3
            line 7: verdict is missing
            line 8: verdict 'maybe' is not confirmed or rejected
            """.ReplaceLineEndings("\n"), error.Message);
    }

    [Fact]
    public void Past_twenty_problems_the_rest_are_counted()
    {
        var csv = "sku_a,sku_b,verdict\n" + string.Concat(Enumerable.Range(0, 25).Select(i => $"a-{i},b-{i},maybe\n"));
        var lines = Assert.Throws<TrainingException>(() => Parse(csv)).Message.Split('\n');

        Assert.Equal(22, lines.Length);
        Assert.Equal("reviews.csv has 25 problems:", lines[0]);
        Assert.Equal("line 2: verdict 'maybe' is not confirmed or rejected", lines[1]);
        Assert.Equal("line 21: verdict 'maybe' is not confirmed or rejected", lines[20]);
        Assert.Equal("... and 5 more", lines[21]);
    }

    [Theory]
    [InlineData("", "reviews.csv is empty: it needs a header with sku_a, sku_b and verdict.")]
    [InlineData("sku,other,verdict\na-1,a-2,confirmed\n", "reviews.csv, line 1: the header must name the columns sku_a, sku_b and verdict; it has sku,other,verdict.")]
    [InlineData("sku_a,sku_b,verdict\n", "reviews.csv holds no verdicts.")]
    public void A_file_without_the_columns_or_verdicts_is_refused(string csv, string message) =>
        Assert.Equal(message, Assert.Throws<TrainingException>(() => Parse(csv)).Message);

    [Theory]
    [InlineData("http://127.0.0.1:8080", "http://127.0.0.1:8080/reviews/export")]
    [InlineData("https://cv.example/api/", "https://cv.example/api/reviews/export")]
    [InlineData("http://cv:8080/reviews/export", "http://cv:8080/reviews/export")]
    [InlineData("reviews.csv", null)]
    [InlineData("/data/reviews.csv", null)]
    public void An_http_address_reads_the_services_export(string given, string? url) =>
        Assert.Equal(url, ReviewLabels.ExportUrl(given)?.ToString());

    [Fact]
    public async Task The_service_is_asked_with_the_key_and_its_answer_parsed()
    {
        var service = new FakeService(HttpStatusCode.OK, "sku_a,sku_b,verdict,reviewer,at\na-1,a-2,confirmed,x,2025-01-01T00:00:00.000000Z\n");
        var labels = await ReviewLabels.ReadAsync("http://cv:8080", "k3y", service);

        Assert.Equal([("http://cv:8080/reviews/export", "k3y")], service.Requests);
        Assert.Equal(("http://cv:8080/reviews/export", 1, 0), (labels.Source, labels.Confirmed, labels.Rejected));
    }

    [Fact]
    public async Task A_service_error_or_a_missing_file_is_a_clear_error()
    {
        var refused = await Assert.ThrowsAsync<TrainingException>(() =>
            ReviewLabels.ReadAsync("http://cv:8080", null, new FakeService(HttpStatusCode.Unauthorized, "no key")));
        Assert.Equal("http://cv:8080/reviews/export answered 401 Unauthorized: no key", refused.Message);

        var missing = Path.Combine(Path.GetTempPath(), $"cv-no-such-{Guid.NewGuid():N}.csv");
        var none = await Assert.ThrowsAsync<TrainingException>(() => ReviewLabels.ReadAsync(missing, null));
        Assert.Equal($"No labels file {missing}.", none.Message);
    }

    [Fact]
    public async Task A_file_is_read_with_its_full_path_as_the_source()
    {
        var path = Path.Combine(Path.GetTempPath(), $"cv-reviews-{Guid.NewGuid():N}.csv");
        File.WriteAllText(path, "\uFEFFsku_a,sku_b,verdict\nb-1,a-1,rejected\n"); // with a BOM, as spreadsheets write
        try
        {
            var labels = await ReviewLabels.ReadAsync(path, null);
            Assert.Equal((path, 0, 1), (labels.Source, labels.Confirmed, labels.Rejected));
            Assert.Equal([new ReviewPair("a-1", "b-1", false)], labels.Pairs);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>Answers every request with one status and body; keeps each request's URL and X-Api-Key.</summary>
    private sealed class FakeService(HttpStatusCode status, string body) : HttpMessageHandler
    {
        public List<(string Url, string? Key)> Requests { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests.Add((request.RequestUri!.ToString(), request.Headers.TryGetValues("X-Api-Key", out var keys) ? keys.Single() : null));
            return Task.FromResult(new HttpResponseMessage(status) { Content = new StringContent(body), RequestMessage = request });
        }
    }
}
