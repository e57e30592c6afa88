using System.Net;
using System.Net.Http.Json;
using ColorVariants.Api.Infrastructure;
using ColorVariants.Api.Reviews;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Support.UI;

namespace ColorVariants.Api.Tests;

/// <summary>The service on a real port (Kestrel) for a real browser; every product its own group (threshold 1), so all neighbours are candidates.</summary>
public class BrowserCatalogFactory : CatalogApiFactory
{
    public BrowserCatalogFactory() => UseKestrel(0);

    protected override IEnumerable<KeyValuePair<string, string?>> Settings => [new("Variants:DefaultThreshold", "1")];

    public string BaseUrl => Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
}

/// <summary>Debian's headless Chromium through its chromedriver (apt chromium, chromium-driver; deploy/local/test.sh installs them).</summary>
public static class Browser
{
    public const string Chromium = "/usr/bin/chromium";
    public const string Driver = "/usr/bin/chromedriver";

    public static ChromeDriver Start()
    {
        Skip.IfNot(File.Exists(Chromium) && File.Exists(Driver), $"Needs Debian's chromium and chromium-driver ({Chromium}, {Driver}); deploy/local/test.sh installs them.");
        var options = new ChromeOptions { BinaryLocation = Chromium };
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,1600");
        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(Driver), Path.GetFileName(Driver));
        service.HideCommandPromptWindow = true;
        return new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
    }

    public static void WaitFor(IWebDriver driver, Func<IWebDriver, bool> condition) =>
        new WebDriverWait(driver, TimeSpan.FromSeconds(30)).Until(condition);
}

public class ReviewPageTests(BrowserCatalogFactory factory) : IClassFixture<BrowserCatalogFactory>, IAsyncLifetime
{
    private readonly HttpClient _client = new() { BaseAddress = new Uri(factory.BaseUrl) };

    public async Task InitializeAsync()
    {
        if (await factory.ScalarAsync("SELECT count(*) FROM products") is > 0L) return;
        for (var design = 2; design < 4; design++)
            for (var c = 0; c < GroupSeeding.Colours.Length; c++)
                Assert.Equal(HttpStatusCode.Created, (await _client.PutAsync($"/products/t{design}-c{c}",
                    Uploads.Form(Uploads.Product(design, GroupSeeding.Colours[c]), "Top"))).StatusCode);
    }

    public Task DisposeAsync()
    {
        _client.Dispose();
        return Task.CompletedTask;
    }

    [SkippableFact]
    public async Task A_reviewer_confirms_rejects_and_undoes_with_the_keyboard_and_uploads_a_picture()
    {
        using var driver = Browser.Start();
        driver.Navigate().GoToUrl($"{factory.BaseUrl}/review/t2-c0");
        Assert.Equal("t2-c0", driver.FindElement(By.TagName("h2")).Text);
        var candidates = driver.FindElements(By.CssSelector("figure.candidate"));
        Assert.Equal(7, candidates.Count); // the 7 other tops, none in its group
        var first = candidates[0].GetDomAttribute("data-sku")!;

        driver.FindElement(By.TagName("body")).SendKeys("c"); // confirm the selected (first) candidate
        Browser.WaitFor(driver, d => d.FindElements(By.CssSelector("#verdicts li")).Count == 1);
        driver.FindElement(By.TagName("body")).SendKeys("j"); // then reject the next one
        var next = driver.FindElement(By.CssSelector("figure.candidate.selected")).GetDomAttribute("data-sku")!;
        driver.FindElement(By.TagName("body")).SendKeys("r");
        Browser.WaitFor(driver, d => d.FindElements(By.CssSelector("#verdicts li")).Count == 2);

        var reviews = (await _client.GetFromJsonAsync<ReviewList>("/reviews?sku=t2-c0"))!.Reviews;
        Assert.Equal([("confirmed", first), ("rejected", next)], reviews.Select(r => (r.Verdict, r.SkuA == "t2-c0" ? r.SkuB : r.SkuA)));
        Assert.NotEqual(first, next);
        // The confirmed product has joined the group: the page shows it there now.
        Browser.WaitFor(driver, d =>
        {
            d.Navigate().Refresh();
            return d.FindElements(By.CssSelector($"figure.member[data-sku='{first}']")).Count == 1;
        });

        driver.FindElement(By.CssSelector($"#verdicts li[data-id='{reviews[1].Id}'] button")).Click(); // undo the rejection
        Browser.WaitFor(driver, d => d.FindElements(By.CssSelector("#verdicts li")).Count == 1);
        Assert.Single((await _client.GetFromJsonAsync<ReviewList>("/reviews?sku=t2-c0"))!.Reviews);

        var picture = Path.Combine(Path.GetTempPath(), $"new-top-{Guid.NewGuid():N}.jpg");
        await File.WriteAllBytesAsync(picture, Uploads.Product(3, Uploads.Red));
        driver.FindElement(By.Id("files")).SendKeys(picture);
        driver.FindElement(By.Id("sku")).SendKeys("new-top");
        driver.FindElement(By.Id("category")).SendKeys("Top");
        driver.FindElement(By.Id("send")).Click();
        Browser.WaitFor(driver, d => d.Url.EndsWith("/review/new-top", StringComparison.Ordinal));
        Assert.Equal("new-top", driver.FindElement(By.TagName("h2")).Text);
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync("/products/new-top")).StatusCode);
        File.Delete(picture);
    }
}

/// <summary>With Upload:ApiKey set, the page asks for the key and keeps it in a cookie that counts only with the page's header.</summary>
public sealed class KeyedReviewFactory : CatalogApiFactory
{
    public const string Key = "review-test-key";
    protected override IEnumerable<KeyValuePair<string, string?>> Settings => [new("Upload:ApiKey", Key)];
}

public class ReviewLoginTests(KeyedReviewFactory factory) : IClassFixture<KeyedReviewFactory>
{
    [Fact]
    public async Task The_page_needs_the_key_and_the_cookie_alone_cannot_write()
    {
        using var client = factory.CreateClient(new() { AllowAutoRedirect = false, HandleCookies = false });
        Assert.Contains("name=\"key\"", await client.GetStringAsync("/review"));

        var wrong = await client.PostAsync("/review/login", new FormUrlEncodedContent([new("key", "nope")]));
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        var login = await client.PostAsync("/review/login", new FormUrlEncodedContent([new("key", KeyedReviewFactory.Key), new("returnTo", "/review/x")]));
        Assert.Equal((HttpStatusCode.Redirect, "/review/x"), (login.StatusCode, login.Headers.Location?.OriginalString));
        var cookie = login.Headers.GetValues("Set-Cookie").Single();
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        var pair = cookie.Split(';')[0];

        HttpRequestMessage Post(bool pageHeader)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/reviews")
            {
                Content = JsonContent.Create(new ReviewRequest("a1", "a2", "confirmed", "tester")),
            };
            request.Headers.Add("Cookie", pair);
            if (pageHeader) request.Headers.Add(ApiKeys.PageHeader, "1");
            return request;
        }
        // A cross-site form would send the cookie but cannot add the page's header.
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(Post(pageHeader: false))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(Post(pageHeader: true))).StatusCode);

        var page = new HttpRequestMessage(HttpMethod.Get, "/review");
        page.Headers.Add("Cookie", pair);
        Assert.Contains("id=\"drop\"", await (await client.SendAsync(page)).Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Reading_the_verdicts_needs_the_key_too()
    {
        using var client = factory.CreateClient();
        foreach (var path in new[] { "/reviews", "/reviews/export" })
        {
            var refused = await client.GetAsync(path);
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            // It says what was refused: a read of the verdicts, not a catalog write.
            Assert.Contains("Reading the review verdicts", (await refused.Content.ReadFromJsonAsync<Microsoft.AspNetCore.Mvc.ProblemDetails>())!.Detail);
            var keyed = new HttpRequestMessage(HttpMethod.Get, path);
            keyed.Headers.Add("X-Api-Key", KeyedReviewFactory.Key);
            Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(keyed)).StatusCode);
        }
    }
}
