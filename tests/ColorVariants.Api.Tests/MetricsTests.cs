using System.Net;
using System.Net.Http.Json;
using ColorVariants.Api.Infrastructure;
using ColorVariants.Api.Models;

namespace ColorVariants.Api.Tests;

/// <summary>The service's own meters (ServiceMetrics) record what uploads and searches do.</summary>
public class MetricsTests(CatalogApiFactory factory) : IClassFixture<CatalogApiFactory>
{
    [Fact]
    public async Task Uploads_record_inference_and_searches_record_their_latency_by_method()
    {
        var client = factory.CreateClient();
        using var meters = new MeterCapture(factory.Services);

        var uploads = await Task.WhenAll(Enumerable.Range(0, 3).Select(i =>
            client.PutAsync($"/products/metered-{i}", Uploads.Form(Uploads.Product(i, Uploads.Red), "Top"))));
        Assert.All(uploads, response => Assert.Equal(HttpStatusCode.Created, response.StatusCode));

        // However the three were batched, each image went through exactly one inference call.
        var batches = meters.Of("colorvariants.inference.batch_size");
        Assert.Equal(3, batches.Sum(b => b.Value));
        var inferences = meters.Of("colorvariants.inference.duration");
        Assert.Equal(batches.Count, inferences.Count);
        Assert.All(inferences, inference => Assert.True(inference.Value > 0));
        var queue = meters.Of("colorvariants.inference.queue_depth").Select(m => m.Value).ToList();
        Assert.Equal((3, 3), (queue.Count(v => v == 1), queue.Count(v => v == -1)));

        meters.Clear();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/variants/metered-0")).StatusCode); // 3 Tops: scanned exactly
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/variants/metered-0?sameCategory=false")).StatusCode);
        using (var form = Uploads.Form(Uploads.Product(1, Uploads.Blue)))
            Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/variants/search", form)).StatusCode);
        var searches = meters.Of("colorvariants.search.duration");
        Assert.Equal(["exact", "hnsw", "hnsw"], searches.Select(s => s.Tags[ServiceMetrics.SearchMethodTag]));
        Assert.All(searches, search => Assert.True(search.Value > 0));
        Assert.Equal(1, meters.Of("colorvariants.inference.batch_size").Sum(b => b.Value)); // the posted image

        // The re-embedding gauges show what GET /models/active shows.
        var status = (await client.GetFromJsonAsync<ModelResponse>("/models/active"))!.Reembedding;
        meters.Observe();
        Assert.Equal(
            ((double)status.Done, (double)status.Total),
            (meters.Of("colorvariants.reembedding.done").Single().Value, meters.Of("colorvariants.reembedding.total").Single().Value));
    }
}
