using System.Globalization;
using System.Text;
using ColorVariants.Api.Gallery;
using ColorVariants.Api.Infrastructure;
using ColorVariants.Api.Models;
using ColorVariants.Api.Storage;
using ColorVariants.Api.Variants;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using static System.Net.WebUtility;
using CatalogSku = ColorVariants.Core.Catalog.Sku;

namespace ColorVariants.Api.Reviews;

/// <summary>
/// /review: the page where a catalog team uploads pictures (drag and drop), sees a product's
/// proposed group and its nearest non-members, and confirms or rejects pairs with the mouse or
/// the keyboard. Server-rendered HTML with a little plain JavaScript calling the API; no build step.
/// </summary>
public static class ReviewPage
{
    public const int Candidates = 12;

    private const string Style = """
        <style>body{font-family:sans-serif;margin:1.5rem;max-width:1200px}figure{display:inline-block;margin:.4rem;width:170px;vertical-align:top}
        img{width:170px;height:170px;object-fit:contain;background:#f4f4f4}figcaption{font-size:.8rem}.product img{outline:3px solid #36c}
        .candidate.selected{outline:3px dashed #c60}#drop{border:2px dashed #999;padding:1rem;margin:1rem 0}#drop.over{background:#eef}
        button{margin:.1rem}.status{color:#060}.queued{display:inline-block;border:1px solid #ddd;margin:.3rem;padding:.3rem;vertical-align:top}
        .queued p{margin:.2rem;font-size:.85rem}</style>
        """;

    private const string Script = """
        <script>
        const api = (method, url, body) => fetch(url, { method, body, credentials: 'same-origin', headers: Object.assign({ 'X-Review-Page': '1' },
            typeof body === 'string' ? { 'Content-Type': 'application/json' } : {}) }).then(async r => { if (!r.ok) throw new Error((await r.json()).detail || r.status); return r; });
        const reviewer = () => localStorage.getItem('reviewer') || document.getElementById('reviewer').value || 'review page';
        const say = text => document.getElementById('status').textContent = text;
        async function verdict(a, b, v) {
          try { await api('POST', '/reviews', JSON.stringify({ skuA: a, skuB: b, verdict: v, reviewer: reviewer() })); say(v + ': ' + a + ' / ' + b); setTimeout(() => location.reload(), 300); }
          catch (e) { say('Failed: ' + e.message); }
        }
        async function undo(id) {
          try { await api('DELETE', '/reviews/' + id); say('undone'); setTimeout(() => location.reload(), 300); } catch (e) { say('Failed: ' + e.message); }
        }
        async function upload(files) {
          const sku = document.getElementById('sku').value.trim(), category = document.getElementById('category').value.trim();
          let first = null;
          for (const file of files) {
            const name = files.length === 1 && sku ? sku : file.name.replace(/\.[^.]+$/, '');
            const form = new FormData(); form.append('image', file); if (category) form.append('category', category);
            try { await api('PUT', '/products/' + encodeURIComponent(name), form); first = first || name; say('uploaded ' + name); }
            catch (e) { say('Failed ' + name + ': ' + e.message); return; }
          }
          if (first) location.href = '/review/' + encodeURIComponent(first);
        }
        document.addEventListener('DOMContentLoaded', () => {
          const drop = document.getElementById('drop'), input = document.getElementById('files');
          document.getElementById('reviewer').value = localStorage.getItem('reviewer') || '';
          document.getElementById('reviewer').addEventListener('change', e => localStorage.setItem('reviewer', e.target.value));
          drop.addEventListener('dragover', e => { e.preventDefault(); drop.classList.add('over'); });
          drop.addEventListener('dragleave', () => drop.classList.remove('over'));
          drop.addEventListener('drop', e => { e.preventDefault(); drop.classList.remove('over'); upload(e.dataTransfer.files); });
          document.getElementById('send').addEventListener('click', () => upload(input.files));
          const cards = [...document.querySelectorAll('.candidate')];
          let at = 0;
          const select = i => { cards.forEach(c => c.classList.remove('selected')); if (cards.length) { at = (i + cards.length) % cards.length; cards[at].classList.add('selected'); } };
          select(0);
          document.addEventListener('keydown', e => {
            if (e.target.tagName === 'INPUT' || !cards.length) return;
            const card = cards[at];
            if (e.key === 'j' || e.key === 'ArrowRight') select(at + 1);
            else if (e.key === 'k' || e.key === 'ArrowLeft') select(at - 1);
            else if (e.key === 'c') verdict(card.dataset.product, card.dataset.sku, 'confirmed');
            else if (e.key === 'r') verdict(card.dataset.product, card.dataset.sku, 'rejected');
            else if (e.key === 'Enter' && card.classList.contains('queued')) location.href = '/review/' + encodeURIComponent(card.dataset.product);
          });
        });
        </script>
        """;

    public static IEndpointRouteBuilder MapReviewPage(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/review").WithTags("Review page").ExcludeFromDescription();
        group.MapGet("/", GetPage);
        group.MapGet("/{sku}", GetPage);
        group.MapPost("/login", Login).DisableAntiforgery();
        return app;
    }

    /// <summary>Products a page of the review queue shows.</summary>
    public const int QueuePage = 20;

    public static async Task<Results<ContentHttpResult, ProblemHttpResult>> GetPage(
        string? sku, [FromQuery] string? page, CatalogStore store, ServedModel models, VariantThresholds thresholds, IOptions<SearchOptions> search,
        IOptions<VariantDecisionOptions> decision, IOptions<UploadOptions> uploads, HttpRequest request, CancellationToken cancellationToken)
    {
        if (!ApiKeys.IsWriteKey(uploads, request.Cookies[ApiKeys.Cookie])) return Page("Log in", LoginForm(request));
        if (sku is not null && !CatalogSku.IsValid(sku)) return Problems.InvalidSku(sku);
        var pageNumber = 1;
        if (page is not null && (!int.TryParse(page, NumberStyles.None, CultureInfo.InvariantCulture, out pageNumber) || pageNumber is < 1 or > 100_000))
            return Problems.BadParameter("page", $"'page' is a whole number from 1 to 100000; '{page}' is not.");

        var body = new StringBuilder();
        body.Append("""
            <h1>Review colour variants</h1>
            <p>Reviewer <input id="reviewer" placeholder="your name"> &middot; <span id="status" class="status"></span></p>
            <div id="drop">Drop pictures here, or <input type="file" id="files" multiple accept="image/jpeg,image/png,image/webp">
            sku <input id="sku" placeholder="one picture: its sku; several: their file names"> category <input id="category">
            <button id="send">Upload</button></div>
            <p>Keys: <b>j</b>/<b>k</b> (or arrows) move between candidates, <b>c</b> confirms, <b>r</b> rejects the selected pair. <a href="/review">The review queue</a></p>
            """);
        if (sku is null) await QueueSectionAsync(body, pageNumber, store, models, thresholds, request, cancellationToken);
        else if (!await ProductSectionAsync(body, sku, store, models, thresholds, search.Value, decision.Value, request, cancellationToken))
            return Problems.UnknownSku(sku);
        return Page(sku is null ? "Review" : $"Review {sku}", body.ToString());
    }

    /// <summary>
    /// The review queue: products whose pair the decision is least sure about, closest to the
    /// threshold first and larger groups first within a band, each shown with that pair's other
    /// product. The keys work here too: c confirms, r rejects the selected pair, Enter opens the product.
    /// </summary>
    private static async Task QueueSectionAsync(StringBuilder body, int page, CatalogStore store, ServedModel models, VariantThresholds thresholds,
        HttpRequest request, CancellationToken cancellationToken)
    {
        var (queued, waiting) = await store.ReviewQueueAsync(models.Active, (page - 1) * QueuePage, QueuePage, cancellationToken);
        var threshold = thresholds.DecidingVerifier is { } verifier ? $"the verifier's threshold p = {verifier.Threshold:0.00}" : $"the score threshold {thresholds.Current:0.000}";
        body.Append(CultureInfo.InvariantCulture, $"""
            <h2 id="queue">To review next: <span id="waiting">{waiting}</span> product{(waiting == 1 ? "" : "s")}</h2>
            <p>Each product with the pair the model is least sure about (its probability nearest {threshold}); larger groups first among equally unsure ones. <b>Enter</b> opens the product.</p>
            """);
        foreach (var (product, candidate, probability, groupSize) in queued)
        {
            body.Append(CultureInfo.InvariantCulture, $"""
                <div class="queued candidate" data-product="{HtmlEncode(product.Sku)}" data-sku="{HtmlEncode(candidate.Sku)}">
                {Figure(product, request, "")}{Figure(candidate, request, "")}
                <p>p = {probability:0.00} &middot; group of {groupSize} &middot; <a href="/review/{Uri.EscapeDataString(product.Sku)}">review {HtmlEncode(product.Sku)}</a><br>
                <button onclick="verdict('{HtmlEncode(product.Sku)}','{HtmlEncode(candidate.Sku)}','confirmed')">Variants (c)</button><button onclick="verdict('{HtmlEncode(product.Sku)}','{HtmlEncode(candidate.Sku)}','rejected')">Not variants (r)</button></p></div>
                """);
        }
        if (queued.Count == 0) body.Append("<p id=\"empty\">Nothing waits for review.</p>");
        body.Append("<p class=\"pages\">");
        if (page > 1) body.Append(CultureInfo.InvariantCulture, $"<a id=\"previous\" href=\"/review?page={page - 1}\">previous page</a> ");
        if ((long)page * QueuePage < waiting) body.Append(CultureInfo.InvariantCulture, $"<a id=\"next\" href=\"/review?page={page + 1}\">next page</a>");
        body.Append("</p>");
    }

    /// <summary>A product as the pages show it: picture, sku, name, colour and swatch, the picture a link to its review.</summary>
    private static string Figure(GroupMember product, HttpRequest request, string badge) => string.Create(CultureInfo.InvariantCulture, $"""
        <figure data-sku="{HtmlEncode(product.Sku)}"><a href="/review/{Uri.EscapeDataString(product.Sku)}"><img loading="lazy" src="{HtmlEncode(ImageUrls.For(request, product.Sku, product.ImageSha256))}" alt="{HtmlEncode(product.Sku)}"></a>
        <figcaption>{GalleryEndpoints.SwatchMark(product.Swatch)}{HtmlEncode(product.Sku)}{badge}<br>{HtmlEncode(product.Name ?? "")} <i>{HtmlEncode(product.Colour ?? "")}</i></figcaption></figure>
        """);

    /// <returns>False when the product does not exist.</returns>
    private static async Task<bool> ProductSectionAsync(StringBuilder body, string sku, CatalogStore store, ServedModel models,
        VariantThresholds thresholds, SearchOptions search, VariantDecisionOptions decision, HttpRequest request, CancellationToken cancellationToken)
    {
        var model = models.Active;
        if (await store.GetProductAsync(sku, cancellationToken) is not { } product) return false;
        var groupId = await store.GroupOfAsync(model, sku, cancellationToken);
        var members = groupId is null ? [] : (await store.GroupMembersAsync(model, groupId, cancellationToken)).Where(m => m.Sku != sku).ToList();
        var memberSkus = members.Select(m => m.Sku).ToHashSet(StringComparer.Ordinal);
        var (found, _) = await ProductVariants.FindAsync(sku, Candidates + members.Count, null, null, false, store, models, thresholds, search, decision, cancellationToken);
        // Members of the product's colour are usually duplicate listings, not variants: shown apart.
        var sameColour = members.Where(m => ProductVariants.SameColour(product.Swatch, m.Swatch, decision.SameColourMaxDeltaE)).ToList();
        var variants = members.Except(sameColour).ToList();
        var candidates = found?.Hits.Where(h => !memberSkus.Contains(h.Sku)).Take(Candidates).ToList() ?? [];
        var reviews = await store.ListReviewsAsync(sku, null, 200, cancellationToken);

        body.Append(CultureInfo.InvariantCulture, $"""
            <h2>{HtmlEncode(sku)}</h2>
            <figure class="product"><img src="{HtmlEncode(ImageUrls.For(request, sku, product.ImageSha256))}" alt="{HtmlEncode(sku)}">
            <figcaption>{GalleryEndpoints.SwatchMark(product.Swatch)}{HtmlEncode(product.Fields.Name ?? "")} {HtmlEncode(product.Fields.Colour ?? "")}<br>{HtmlEncode(product.Fields.Category ?? "no category")}</figcaption></figure>
            <h3 id="group">Its group{(groupId is null ? " (not grouped yet)" : $" {HtmlEncode(groupId)}")}: {members.Count} other member{(members.Count == 1 ? "" : "s")}</h3>
            """);
        foreach (var member in variants) AppendMember(body, sku, member, "", request);
        if (sameColour.Count > 0)
        {
            body.Append(CultureInfo.InvariantCulture, $"""
                <h3 id="same-colour">Same colour as {HtmlEncode(sku)} (swatches within CIEDE2000 {decision.SameColourMaxDeltaE}): duplicate listings?</h3>
                """);
            foreach (var member in sameColour) AppendMember(body, sku, member, " " + GalleryEndpoints.SameColourBadge, request);
        }
        body.Append("<h3>Nearest products outside the group</h3>");
        foreach (var hit in candidates)
        {
            var called = hit.Review == Verdict.Confirmed ? " " + GalleryEndpoints.ConfirmedBadge : found!.IsVariant(hit) ? " (model: variant)" : "";
            body.Append(CultureInfo.InvariantCulture, $"""
                <figure class="candidate" data-product="{HtmlEncode(sku)}" data-sku="{HtmlEncode(hit.Sku)}"><a href="/review/{Uri.EscapeDataString(hit.Sku)}"><img loading="lazy" src="{HtmlEncode(ImageUrls.For(request, hit.Sku, hit.ImageSha256))}" alt="{HtmlEncode(hit.Sku)}"></a>
                <figcaption>{GalleryEndpoints.SwatchMark(hit.Swatch)}{HtmlEncode(hit.Sku)} &middot; {hit.Score:0.000}{(hit.Probability is { } p ? $" &middot; p {p:0.00}" : "")}{called}{(found!.IsSameColour(hit) ? " " + GalleryEndpoints.SameColourBadge : "")}<br>{HtmlEncode(hit.Name ?? "")} <i>{HtmlEncode(hit.Colour ?? "")}</i><br>
                <button onclick="verdict('{HtmlEncode(sku)}','{HtmlEncode(hit.Sku)}','confirmed')">Confirm (c)</button><button onclick="verdict('{HtmlEncode(sku)}','{HtmlEncode(hit.Sku)}','rejected')">Reject (r)</button></figcaption></figure>
                """);
        }
        body.Append("<h3>Verdicts on this product</h3><ul id=\"verdicts\">");
        foreach (var review in reviews)
            body.Append(CultureInfo.InvariantCulture, $"""
                <li data-id="{review.Id}">{HtmlEncode(review.SkuA)} / {HtmlEncode(review.SkuB)}: <b>{(review.Verdict == Verdict.Confirmed ? "confirmed" : "rejected")}</b> by {HtmlEncode(review.Reviewer)}, {review.At:yyyy-MM-dd HH:mm} <button onclick="undo({review.Id})">Undo</button></li>
                """);
        body.Append("</ul>");
        return true;
    }

    /// <remarks>Skus hold only letters, digits, '.', '_' and '-' (Core Sku), so they are safe in the onclick strings too.</remarks>
    private static void AppendMember(StringBuilder body, string sku, GroupMember member, string badge, HttpRequest request) =>
        body.Append(CultureInfo.InvariantCulture, $"""
            <figure class="member" data-sku="{HtmlEncode(member.Sku)}"><a href="/review/{Uri.EscapeDataString(member.Sku)}"><img loading="lazy" src="{HtmlEncode(ImageUrls.For(request, member.Sku, member.ImageSha256))}" alt="{HtmlEncode(member.Sku)}"></a>
            <figcaption>{GalleryEndpoints.SwatchMark(member.Swatch)}{HtmlEncode(member.Sku)}{badge}<br>{HtmlEncode(member.Name ?? "")} <i>{HtmlEncode(member.Colour ?? "")}</i><br><button onclick="verdict('{HtmlEncode(sku)}','{HtmlEncode(member.Sku)}','rejected')">Out of the group</button></figcaption></figure>
            """);

    /// <summary>Sets the key cookie when it is the writes' key, then back to the page.</summary>
    public static Results<RedirectHttpResult, ContentHttpResult> Login([FromForm] string? key, [FromForm] string? returnTo,
        IOptions<UploadOptions> uploads, HttpContext context)
    {
        if (!ApiKeys.IsWriteKey(uploads, key)) return Page("Log in", "<p class=\"status\">Wrong key.</p>" + LoginForm(context.Request), StatusCodes.Status401Unauthorized);
        context.Response.Cookies.Append(ApiKeys.Cookie, key ?? "", new CookieOptions
        {
            HttpOnly = true, SameSite = SameSiteMode.Strict, Secure = context.Request.IsHttps, Path = "/", MaxAge = TimeSpan.FromHours(12),
        });
        var back = returnTo is { Length: > 0 } && returnTo.StartsWith("/review", StringComparison.Ordinal) && !returnTo.StartsWith("//", StringComparison.Ordinal) ? returnTo : "/review";
        return TypedResults.Redirect(back);
    }

    private static string LoginForm(HttpRequest request) => $"""
        <h1>Review colour variants</h1><p>This service needs its API key for reviews.</p>
        <form method="post" action="/review/login"><input type="password" name="key" placeholder="API key" autofocus>
        <input type="hidden" name="returnTo" value="{HtmlEncode(request.Path.Value ?? "/review")}"><button>Log in</button></form>
        """;

    private static ContentHttpResult Page(string title, string body, int status = StatusCodes.Status200OK) => TypedResults.Content(
        $"<!doctype html><html><head><meta charset=\"utf-8\"><title>{HtmlEncode(title)}</title>{Style}{GalleryEndpoints.SwatchStyle}</head><body>{body}{Script}</body></html>",
        "text/html; charset=utf-8", Encoding.UTF8, status);
}
