using System.Globalization;
using ColorVariants.Api.Infrastructure;

namespace ColorVariants.Api.Embedding;

/// <summary>
/// When the active model's whitening is (re)fitted: first once the model has
/// <see cref="WhiteningRefitOptions.MinimumVectors"/> vectors, then whenever its vector count has
/// moved, up or down, by <see cref="WhiteningRefitOptions.RefitChange"/> of the count the current
/// whitening was fitted on. A catalog that grows by a fifth has new kinds of products whose
/// directions the old fit may not have seen; smaller changes barely move a covariance of
/// thousands of vectors, and each refit rewrites every vector of the model.
/// </summary>
public sealed record WhiteningPolicy(int MinimumVectors, double RefitChange)
{
    public static WhiteningPolicy From(WhiteningRefitOptions options) => new(options.MinimumVectors, options.RefitChange);

    /// <summary>The smallest count at which a refit is due (null: none above).</summary>
    public int RefitAtLeast(int? fittedOn) => fittedOn is { } n ? Math.Max(MinimumVectors, n + Change(n)) : MinimumVectors;

    /// <summary>The largest count at which a refit is due, when it still leaves enough vectors to fit on (else null).</summary>
    public int? RefitAtMost(int? fittedOn) => fittedOn is { } n && n - Change(n) >= MinimumVectors ? n - Change(n) : null;

    public bool IsDue(int vectors, int? fittedOn) =>
        vectors >= MinimumVectors && (vectors >= RefitAtLeast(fittedOn) || vectors <= RefitAtMost(fittedOn));

    /// <summary>The rule for the next refit, in words, for GET /models/active.</summary>
    public string Describe(int vectors, int? fittedOn)
    {
        var atLeast = RefitAtLeast(fittedOn);
        var text = fittedOn is null
            ? $"first fit when the model has at least {atLeast} vectors"
            : RefitAtMost(fittedOn) is { } atMost
                ? $"refit when the model has at least {atLeast} or at most {atMost} vectors ({Percent} change from the {fittedOn} fitted on)"
                : $"refit when the model has at least {atLeast} vectors ({Percent} more than the {fittedOn} fitted on)";
        return $"{text}; it has {vectors}";
    }

    private string Percent => (RefitChange * 100).ToString("0.#", CultureInfo.InvariantCulture) + " %";

    /// <summary>At least one vector, so a tiny RefitChange cannot make every check a refit.</summary>
    private int Change(int fittedOn) => Math.Max(1, (int)Math.Ceiling(fittedOn * RefitChange - 1e-9));
}
