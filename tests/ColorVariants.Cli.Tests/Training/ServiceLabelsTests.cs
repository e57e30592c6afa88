using System.Net;
using System.Net.Http.Json;
using ColorVariants.Api.Reviews;
using ColorVariants.Api.Tests;
using ColorVariants.Training.Data;

namespace ColorVariants.Cli.Tests.Training;

/// <summary>The service with writes behind a key, as a team's would be.</summary>
public sealed class KeyedServiceFactory : CatalogApiFactory
{
    protected override IEnumerable<KeyValuePair<string, string?>> Settings => [new("Upload:ApiKey", "s3cret")];
}

/// <summary>`train triplet --labels http://…`: the trainer's reader takes what the service's /reviews/export writes.</summary>
public sealed class ServiceLabelsTests(KeyedServiceFactory factory) : IClassFixture<KeyedServiceFactory>
{
    [Fact]
    public async Task The_verdicts_stored_in_the_service_are_the_labels_read_from_its_url()
    {
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", "s3cret");
        foreach (var (a, b, verdict, reviewer) in new[]
                 {
                     ("p-2", "p-1", "confirmed", "team"),
                     ("p-1", "p-3", "rejected", "Lee, \"the eye\"\non two lines"),
                     ("p-3", "p-4", "confirmed", "team"),
                     ("p-4", "p-3", "rejected", "team"), // replaces the verdict above
                 })
            Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync("/reviews", new ReviewRequest(a, b, verdict, reviewer))).StatusCode);

        var labels = await ReviewLabels.ReadAsync(factory.Server.BaseAddress.ToString(), "s3cret", factory.Server.CreateHandler());

        Assert.Equal([new ReviewPair("p-1", "p-2", true), new ReviewPair("p-1", "p-3", false), new ReviewPair("p-3", "p-4", false)], labels.Pairs);
        Assert.Equal(("http://localhost/reviews/export", 1, 2), (labels.Source, labels.Confirmed, labels.Rejected));
    }
}
