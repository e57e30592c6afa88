using System.Net;
using System.Net.Http.Json;
using ColorVariants.Api.Groups;
using ColorVariants.Api.Reviews;
using ColorVariants.Api.Variants;
using OpenQA.Selenium;

namespace ColorVariants.Api.Tests;

/// <summary>Issue 22, part 5: which pair of each product waits for review (Api Groups/ReviewQueue).</summary>
public class ReviewQueueTests
{
    [Fact]
    public void Each_product_waits_with_its_pair_nearest_the_threshold_that_nobody_settled()
    {
        IReadOnlyList<(int, float)>[] lists =
        [
            [(1, 0.95f), (2, 0.70f), (3, 0.10f)], // 2 is nearest 0.73
            [(0, 0.95f), (3, 0.60f)],             // 3 (0.60, doubt 0.13) nearer than 0 (0.95, doubt 0.22)
            [(0, 0.70f)],                         // its only pair is settled (reviewed)
            [],                                   // no neighbours: not queued
        ];
        var queue = ReviewQueue.Of(lists, 0.73f, [(0, 2)]);
        // Product 0's nearest to 0.73 is 2 (0.70), but (0, 2) is settled: 1 (0.95, doubt 0.22) beats 3 (0.10, doubt 0.63).
        Assert.Equal([(0, 1, 0.95f, 0.2f), (1, 3, 0.60f, 0.15f)], queue.Select(e => (e.Product, e.Candidate, e.Probability, MathF.Round(e.Doubt, 2))));
    }
}

/// <summary>The queue in a real browser: 24 tops of 6 designs in 4 colours, each its own group (threshold 1), so every product waits.</summary>
public class ReviewQueuePageTests(BrowserCatalogFactory factory) : IClassFixture<BrowserCatalogFactory>, IAsyncLifetime
{
    private static readonly string[] ColourNames = ["Red", "Blue", "Green", "Black"];
    private readonly HttpClient _client = new() { BaseAddress = new Uri(factory.BaseUrl) };

    public async Task InitializeAsync()
    {
        if (await factory.ScalarAsync("SELECT count(*) FROM products") is > 0L) return;
        for (var design = 0; design < 6; design++)
            for (var c = 0; c < GroupSeeding.Colours.Length; c++)
                Assert.Equal(HttpStatusCode.Created, (await _client.PutAsync($"/products/q{design}-c{c}",
                    Uploads.Form(Uploads.Product(design, GroupSeeding.Colours[c]), "Top", $"Top design {design}", ColourNames[c]))).StatusCode);
        await GroupSeeding.SettledAsync(factory, _client);
    }

    public Task DisposeAsync()
    {
        _client.Dispose();
        return Task.CompletedTask;
    }

    [SkippableFact]
    public async Task The_queue_lists_what_to_review_and_a_verdict_from_it_shows_everywhere()
    {
        using var driver = Browser.Start();
        driver.Navigate().GoToUrl($"{factory.BaseUrl}/review");
        Assert.Equal("24", driver.FindElement(By.Id("waiting")).Text);
        var queued = driver.FindElements(By.CssSelector("div.queued"));
        Assert.Equal(ReviewPage.QueuePage, queued.Count);
        // Each pair shows both products with name and colour.
        Assert.Contains("Top design", queued[0].Text, StringComparison.Ordinal);
        Assert.Contains(ColourNames, c => queued[0].Text.Contains(c, StringComparison.Ordinal));

        // c on the selected (first) pair confirms it; the page reloads without that pair.
        var (product, candidate) = (queued[0].GetDomAttribute("data-product")!, queued[0].GetDomAttribute("data-sku")!);
        driver.FindElement(By.TagName("body")).SendKeys("c");
        Browser.WaitFor(driver, d => d.FindElements(By.CssSelector("div.queued")).Count > 0
            && !d.FindElements(By.CssSelector("div.queued")).Any(q => IsPair(q, product, candidate)));
        var reviews = (await _client.GetFromJsonAsync<ReviewList>($"/reviews?sku={product}"))!.Reviews;
        Assert.Equal("confirmed", Assert.Single(reviews).Verdict);

        // Confirmed everywhere: /variants calls it a variant and says so, the gallery badges it, the review page too.
        var variants = (await _client.GetFromJsonAsync<VariantsResponse>($"/variants/{product}?limit=50"))!.Variants;
        var confirmed = Assert.Single(variants, v => v.Sku == candidate);
        Assert.Equal((true, "confirmed"), (confirmed.IsVariant, confirmed.Reviewed));
        driver.Navigate().GoToUrl($"{factory.BaseUrl}/gallery/{product}?limit=50");
        Assert.Contains("confirmed by review", driver.FindElement(By.XPath($"//figure[.//img[@alt='{candidate}']]")).Text, StringComparison.Ordinal);

        // From the queue, j then Enter opens the second pair's product for review; the next page holds the rest.
        driver.Navigate().GoToUrl($"{factory.BaseUrl}/review");
        var second = driver.FindElements(By.CssSelector("div.queued"))[1].GetDomAttribute("data-product")!;
        driver.FindElement(By.TagName("body")).SendKeys("j");
        driver.FindElement(By.TagName("body")).SendKeys(Keys.Enter);
        Browser.WaitFor(driver, d => d.Url.EndsWith($"/review/{second}", StringComparison.Ordinal));
        Assert.Equal(second, driver.FindElement(By.TagName("h2")).Text);
        Assert.Contains("Top design", driver.FindElements(By.CssSelector("figure.candidate"))[0].Text, StringComparison.Ordinal);

        driver.Navigate().GoToUrl($"{factory.BaseUrl}/review");
        driver.FindElement(By.Id("next")).Click();
        Browser.WaitFor(driver, d => d.Url.EndsWith("/review?page=2", StringComparison.Ordinal));
        var waiting = int.Parse(driver.FindElement(By.Id("waiting")).Text);
        Assert.Equal(waiting - ReviewPage.QueuePage, driver.FindElements(By.CssSelector("div.queued")).Count);
        Assert.Empty(driver.FindElements(By.Id("next")));
    }

    [Fact]
    public async Task A_page_number_that_is_not_one_is_a_400()
    {
        var response = await _client.GetAsync("/review?page=abc");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("'page'", (await response.Content.ReadAsStringAsync()), StringComparison.Ordinal);
    }

    private static bool IsPair(IWebElement queued, string a, string b)
    {
        var (x, y) = (queued.GetDomAttribute("data-product"), queued.GetDomAttribute("data-sku"));
        return (x == a && y == b) || (x == b && y == a);
    }
}
