using System.Globalization;
using ColorVariants.Api.Infrastructure;

namespace ColorVariants.Api.Embedding;

/// <summary>
/// When the active model's whitening is (re)fitted: first once the model has
/// <see cref="WhiteningRefitOptions.MinimumVectors"/> vectors, then whenever its vector count has
/// moved, up or down, by <see cref="WhiteningRefitOptions.RefitChange"/> of the count the current
/// whitening was fitted on. A catalog that grows by a fifth has new kinds of products whose
/// directions the old fit may not have seen; smaller changes barely move a covariance of
/// thousands of vectors, and each refit rewrites every vector of the model. While products keep
/// arriving (<c>quiet</c> false: the count moved since the previous check) a due refit waits,
/// unless the count has reached <see cref="WhiteningRefitOptions.GrowthWhileBusy"/> times the
/// fitted one: a bulk import of 7,135 products refits at 256, 1,024 and 4,096 and once after it,
/// instead of at every fifth. A fit made while products arrived is a stopgap: once they stop (a quiet
/// check), any change since it makes a refit due, so an import always ends fitted on all of it.
/// </summary>
public sealed record WhiteningPolicy(int MinimumVectors, double RefitChange, double GrowthWhileBusy = 4)
{
    public static WhiteningPolicy From(WhiteningRefitOptions options) => new(options.MinimumVectors, options.RefitChange, options.GrowthWhileBusy);

    /// <summary>The smallest count at which a refit is due (null: none above).</summary>
    public int RefitAtLeast(int? fittedOn) => fittedOn is { } n ? Math.Max(MinimumVectors, n + Change(n)) : MinimumVectors;

    /// <summary>The largest count at which a refit is due, when it still leaves enough vectors to fit on (else null).</summary>
    public int? RefitAtMost(int? fittedOn) => fittedOn is { } n && n - Change(n) >= MinimumVectors ? n - Change(n) : null;

    /// <summary>The count from which a refit does not wait for a quiet check.</summary>
    public int RefitWhileBusyAt(int? fittedOn) => fittedOn is { } n ? Math.Max(RefitAtLeast(n), (int)Math.Ceiling(n * GrowthWhileBusy - 1e-9)) : MinimumVectors;

    /// <param name="quiet">The vector count is where the previous check found it (nothing arrived or left meanwhile).</param>
    /// <param name="fittedWhileBusy">The current whitening was fitted while products arrived.</param>
    public bool IsDue(int vectors, int? fittedOn, bool quiet = true, bool fittedWhileBusy = false) =>
        vectors >= MinimumVectors && (
            ((vectors >= RefitAtLeast(fittedOn) || vectors <= RefitAtMost(fittedOn)) && (quiet || fittedOn is null || vectors >= RefitWhileBusyAt(fittedOn)))
            || (quiet && fittedWhileBusy && vectors != fittedOn));

    /// <summary>The rule for the next refit, in words, for GET /models/active.</summary>
    public string Describe(int vectors, int? fittedOn, bool fittedWhileBusy = false)
    {
        var atLeast = RefitAtLeast(fittedOn);
        var text = fittedOn is null
            ? $"first fit when the model has at least {atLeast} vectors"
            : RefitAtMost(fittedOn) is { } atMost
                ? $"refit when the model has at least {atLeast} or at most {atMost} vectors ({Percent} change from the {fittedOn} fitted on)"
                : $"refit when the model has at least {atLeast} vectors ({Percent} more than the {fittedOn} fitted on)";
        if (fittedOn is not null) text += $" and no product arrived or left since the previous check, or at once from {RefitWhileBusyAt(fittedOn)}";
        if (fittedOn is not null && fittedWhileBusy) text += $"; fitted while products arrived, so also at the first such check with other than {fittedOn}";
        return $"{text}; it has {vectors}";
    }

    private string Percent => (RefitChange * 100).ToString("0.#", CultureInfo.InvariantCulture) + " %";

    /// <summary>At least one vector, so a tiny RefitChange cannot make every check a refit.</summary>
    private int Change(int fittedOn) => Math.Max(1, (int)Math.Ceiling(fittedOn * RefitChange - 1e-9));
}
