using System.Net;
using System.Net.Http.Json;
using ColorVariants.Api.Groups;
using ColorVariants.Api.Maintenance;
using ColorVariants.Api.Models;
using ColorVariants.Api.Products;
using Microsoft.AspNetCore.Mvc.Testing;
using SixLabors.ImageSharp.PixelFormats;

namespace ColorVariants.Api.Tests;

/// <summary>Every pair in a category of up to 11 passes a threshold of -1 and is mutual among 10 neighbours: one group per category.</summary>
public sealed class OneGroupPerCategoryFactory : CatalogApiFactory
{
    protected override IEnumerable<KeyValuePair<string, string?>> Settings => [new("Variants:DefaultThreshold", "-1")];
}

/// <summary>No two different pictures score 1: every product is a group of one.</summary>
public sealed class SingletonGroupsFactory : CatalogApiFactory
{
    protected override IEnumerable<KeyValuePair<string, string?>> Settings => [new("Variants:DefaultThreshold", "1")];
}

public static class GroupSeeding
{
    public static readonly Rgb24[] Colours = [Uploads.Red, Uploads.Blue, Uploads.Green, Uploads.Black];

    /// <summary>Four designs in four colours: 8 dresses (b-...) and 8 tops (t-...).</summary>
    public static async Task SeedAsync(CatalogApiFactory factory, HttpClient client)
    {
        if (await factory.ScalarAsync("SELECT count(*) FROM products") is > 0L) return;
        var uploads = new List<Task<HttpResponseMessage>>();
        for (var design = 0; design < 4; design++)
            for (var c = 0; c < Colours.Length; c++)
                uploads.Add(client.PutAsync($"/products/{(design < 2 ? "b" : "t")}{design}-c{c}",
                    Uploads.Form(Uploads.Product(design, Colours[c]), design < 2 ? "Dress" : "Top")));
        foreach (var response in await Task.WhenAll(uploads))
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    /// <summary>The groups once every change is regrouped (the service's background work is idle).</summary>
    public static async Task<GroupPage> SettledAsync(WebApplicationFactory<Program> factory, HttpClient client, string query = "minSize=1&limit=500")
    {
        await factory.WhenIdleAsync();
        var page = (await client.GetFromJsonAsync<GroupPage>($"/groups?{query}"))!;
        Assert.Equal(0, page.Pending);
        return page;
    }
}

public class GroupTests(OneGroupPerCategoryFactory factory) : IClassFixture<OneGroupPerCategoryFactory>, IAsyncLifetime
{
    private readonly HttpClient _client = factory.CreateClient();

    public Task InitializeAsync() => GroupSeeding.SeedAsync(factory, _client);
    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task The_catalog_is_partitioned_within_categories_and_every_view_agrees()
    {
        var page = await GroupSeeding.SettledAsync(factory, _client);
        Assert.Equal(0, page.Pending);
        Assert.Equal([("b0-c0", "Dress", 8), ("t2-c0", "Top", 8)], page.Groups.Select(g => (g.GroupId, g.Category, g.Size)));
        // The one owner of background work says so too: nothing running, queued or left to regroup.
        Assert.Equal(new MaintenanceStatus(null, 0, 0), (await _client.GetFromJsonAsync<ModelResponse>("/models/active"))!.Maintenance);

        var dresses = (await _client.GetFromJsonAsync<GroupResponse>("/groups/b0-c0"))!;
        Assert.Equal(8, dresses.Members.Count);
        Assert.All(dresses.Members, m => Assert.Equal("Dress", m.Category));
        Assert.Equal("b0-c0", (await _client.GetFromJsonAsync<ProductResponse>("/products/b1-c3"))!.GroupId);

        var csv = await _client.GetStringAsync("/groups/export");
        var lines = csv.TrimEnd('\n').Split('\n');
        Assert.Equal("group_id,sku", lines[0]);
        Assert.Equal(16, lines.Length - 1);
        Assert.Equal(8, lines.Count(l => l.StartsWith("t2-c0,", StringComparison.Ordinal)));
        Assert.Contains("b0-c0,b1-c3", lines);
    }

    [Fact]
    public async Task An_upload_and_a_delete_regroup_their_category_and_a_move_regroups_both()
    {
        await GroupSeeding.SettledAsync(factory, _client);
        Assert.Equal(HttpStatusCode.Created, (await _client.PutAsync("/products/a-new-top", Uploads.Form(Uploads.Product(3, Uploads.Red), "Top"))).StatusCode);
        var page = await GroupSeeding.SettledAsync(factory, _client);
        Assert.Equal([("a-new-top", "Top", 9), ("b0-c0", "Dress", 8)], page.Groups.Select(g => (g.GroupId, g.Category, g.Size)));

        // The new top becomes a dress: it leaves the tops' group and joins the dresses'.
        Assert.Equal(HttpStatusCode.OK, (await _client.PutAsync("/products/a-new-top", Uploads.Form(Uploads.Product(3, Uploads.Red), "Dress"))).StatusCode);
        page = await GroupSeeding.SettledAsync(factory, _client);
        Assert.Equal([("a-new-top", "Dress", 9), ("t2-c0", "Top", 8)], page.Groups.Select(g => (g.GroupId, g.Category, g.Size)));

        Assert.Equal(HttpStatusCode.NoContent, (await _client.DeleteAsync("/products/a-new-top")).StatusCode);
        page = await GroupSeeding.SettledAsync(factory, _client);
        Assert.Equal([("b0-c0", "Dress", 8), ("t2-c0", "Top", 8)], page.Groups.Select(g => (g.GroupId, g.Category, g.Size)));
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync("/groups/a-new-top")).StatusCode);
    }

    [Fact]
    public async Task Paging_filters_and_bad_parameters()
    {
        await GroupSeeding.SettledAsync(factory, _client);
        var first = (await _client.GetFromJsonAsync<GroupPage>("/groups?minSize=1&limit=1"))!;
        Assert.Equal(("b0-c0", "b0-c0"), (first.Groups.Single().GroupId, first.NextCursor));
        var second = (await _client.GetFromJsonAsync<GroupPage>($"/groups?minSize=1&limit=1&cursor={first.NextCursor}"))!;
        Assert.Equal("t2-c0", second.Groups.Single().GroupId);
        var tops = (await _client.GetFromJsonAsync<GroupPage>("/groups?category=Top"))!;
        Assert.Equal(["t2-c0"], tops.Groups.Select(g => g.GroupId));
        Assert.Empty((await _client.GetFromJsonAsync<GroupPage>("/groups?minSize=9"))!.Groups);

        foreach (var bad in new[] { "/groups?minSize=0", "/groups?limit=0", "/groups?limit=501", "/groups?cursor=a%20b", "/groups/a%20b", "/groups/export?minSize=0" })
            Assert.Equal(HttpStatusCode.BadRequest, (await _client.GetAsync(bad)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync("/groups/no-such-group")).StatusCode);
    }
}

public class SingletonGroupTests(SingletonGroupsFactory factory) : IClassFixture<SingletonGroupsFactory>, IAsyncLifetime
{
    private readonly HttpClient _client = factory.CreateClient();

    public Task InitializeAsync() => GroupSeeding.SeedAsync(factory, _client);
    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Above_every_score_each_product_is_its_own_group()
    {
        var page = await GroupSeeding.SettledAsync(factory, _client);
        Assert.Equal(16, page.Groups.Count);
        Assert.All(page.Groups, g => Assert.Equal(1, g.Size));
        Assert.Empty((await _client.GetFromJsonAsync<GroupPage>("/groups"))!.Groups); // minSize 2 by default
        Assert.Equal("t3-c1", (await _client.GetFromJsonAsync<ProductResponse>("/products/t3-c1"))!.GroupId);
    }
}
