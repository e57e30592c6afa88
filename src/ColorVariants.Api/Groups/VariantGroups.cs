using ColorVariants.Api.Infrastructure;
using ColorVariants.Api.Models;
using ColorVariants.Api.Storage;
using ColorVariants.Api.Variants;
using ColorVariants.Core.Colour;
using ColorVariants.Core.Evaluation;
using ColorVariants.Core.Images;
using Microsoft.Extensions.Options;

namespace ColorVariants.Api.Groups;

/// <summary>
/// Partitions the catalog into variant groups under the active model: products of one category
/// joined when each is among the other's Variants:Neighbours nearest and they score at least the
/// variant threshold (Core <see cref="VariantGrouping"/>, what `eval --grouping` measures). Groups
/// never cross a category, so an upload or a delete regroups its category only, when Maintenance
/// CatalogMaintenance gets to it (a bulk import regroups each category about once); a new
/// threshold or a start regroups them all. The cost is one exact neighbour search within the
/// category: quadratic in its size (docs: README, Variant groups).
/// </summary>
public sealed class VariantGroups(
    CatalogStore store,
    ServedModel models,
    VariantThresholds thresholds,
    IOptions<VariantDecisionOptions> options)
{
    /// <summary>Regroups <paramref name="categories"/> ('' for products without one), or every category.</summary>
    /// <returns>Categories their products were grouped under before (they moved): those are regrouped next.</returns>
    public async Task<IReadOnlyList<string>> RegroupAsync(IReadOnlyCollection<string> categories, bool all, CancellationToken cancellationToken)
    {
        var model = models.Active;
        var chosen = new HashSet<string>(categories, StringComparer.Ordinal);
        // A growing small catalog moves its chance scores, so the default threshold: regroup all then.
        if (await thresholds.RefreshChanceAsync(cancellationToken)) all = true;
        if (all) chosen.UnionWith(await store.GroupedCategoriesAsync(model, cancellationToken));
        var moved = new List<string>();
        foreach (var category in chosen.Order(StringComparer.Ordinal))
            moved.AddRange(await RegroupAsync(model, category, cancellationToken));
        return moved.Distinct(StringComparer.Ordinal).Where(c => !chosen.Contains(c)).ToList();
    }

    /// <returns>Categories its products were grouped under before (they moved): those are regrouped next.</returns>
    private async Task<IReadOnlyList<string>> RegroupAsync(ActiveModel model, string category, CancellationToken cancellationToken)
    {
        var stored = await store.CategoryVectorsAsync(model, category, cancellationToken);
        var items = stored.Select(r => r.Item).ToList();
        // Reviewed pairs on top: confirmed ones joined, rejected ones kept apart.
        var index = items.Select((item, i) => (item.Sku, i)).ToDictionary(x => x.Sku, x => x.i, StringComparer.Ordinal);
        var reviews = await store.ReviewsAmongAsync(items.Select(i => i.Sku).ToList(), cancellationToken);
        var confirmed = reviews.Where(r => r.Verdict == Verdict.Confirmed).Select(r => (index[r.SkuA], index[r.SkuB])).ToList();
        var rejected = reviews.Where(r => r.Verdict == Verdict.Rejected).Select(r => (index[r.SkuA], index[r.SkuB])).ToList();
        var verifier = thresholds.DecidingVerifier;
        var chance = thresholds.VerifierChance;
        var (groups, queue) = await Task.Run(() =>
        {
            var reviewed = confirmed.Concat(rejected);
            if (verifier is null || chance is not { } catalog)
            {
                var nearest = VariantDecision.NearestInCategory(items, options.Value.Neighbours);
                var threshold = (float)thresholds.Current;
                return (VariantGrouping.Group(nearest, threshold, confirmed, rejected), ReviewQueue.Of(nearest, threshold, reviewed));
            }
            // The verifier's decision, as /variants makes it: each product's nearest re-ranked, mutual
            // neighbours joined at its threshold, the same colour kept apart (never a variant).
            var colours = stored.Select(r => r.SwatchHex is null ? (Lab?)null : Lab.FromRgb(Swatch.ParseHex(r.SwatchHex))).ToList();
            var lists = VerifiedNeighbours.Of(items, colours, model.Blocks, catalog.Scores, catalog.CatalogSize, verifier, Variants.VariantRanking.Candidates)
                .Select(l => (IReadOnlyList<(int, float)>)l.Take(options.Value.Neighbours).ToList()).ToArray();
            var apart = VerifiedNeighbours.SameColour(lists, colours, options.Value.SameColourMaxDeltaE);
            return (VariantGrouping.Group(lists, verifier.Threshold, confirmed, rejected.Concat(apart)), ReviewQueue.Of(lists, verifier.Threshold, reviewed.Concat(apart)));
        }, cancellationToken);
        // Items are in sku order, so a group's smallest index is its smallest sku: the group's id.
        var rows = items.Select((item, i) => (item.Sku, items[groups[i]].Sku)).ToList();
        var sizes = groups.GroupBy(g => g).ToDictionary(g => g.Key, g => g.Count());
        var waiting = queue.Select(e => new QueuedReview(items[e.Product].Sku, items[e.Candidate].Sku, e.Probability, e.Doubt, sizes[groups[e.Product]])).ToList();
        return await store.ReplaceCategoryGroupsAsync(model, category, rows, waiting, cancellationToken);
    }
}
