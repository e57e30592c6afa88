using ColorVariants.Core.Colour;

namespace ColorVariants.Core.Embedding;

/// <summary>What <see cref="VariantWhitening.Fit"/> made, and from which pairs.</summary>
/// <param name="Learned">False: too few pairs, so the plain catalog whitening was kept.</param>
/// <param name="MinedPairs">The mined pairs, as indices into the fitted vectors.</param>
/// <param name="GivenPairs">Pairs handed in (confirmed reviews, labelled variants, made-up recolourings).</param>
public sealed record VariantWhiteningFit(CatalogWhitening Whitening, bool Learned, IReadOnlyList<(int A, int B)> MinedPairs, int GivenPairs);

/// <summary>
/// The post-processing the service fits on a catalog, and the evaluation measures: the catalog
/// whitening, then a learned whitening (CatalogWhitening.FitLearned) from the colour-variant pairs
/// the catalog gives away by itself (MinedPairs: mutual nearest neighbours of a category whose
/// swatches are different colours) plus any pairs known to be variants (confirmed reviews,
/// labels). The learned step discounts what variants differ in (shade, the contrast of a print),
/// which a catalog whitening cannot tell from design. One code path for trainer-free serving and
/// for the figures in docs/RESULTS.md.
/// </summary>
public static class VariantWhitening
{
    /// <summary>Below this many pairs the learned step is skipped: a covariance of so few differences is noise.</summary>
    public const int MinimumPairs = 32;

    /// <summary>
    /// Two swatches at least this far apart (CIEDE2000) make a mined pair: another colour, so a
    /// variant rather than a same-shade lookalike. The service's Variants:SameColourMaxDeltaE.
    /// </summary>
    public const double DefaultMinColourDifference = 2.0;

    /// <param name="raw">The model's raw vectors, one per product.</param>
    /// <param name="categories">Each product's category (mined pairs stay within one).</param>
    /// <param name="colours">Each product's swatch colour; a product without one is in no mined pair.</param>
    /// <param name="given">Pairs known to be variants, as raw vectors.</param>
    public static VariantWhiteningFit Fit(IReadOnlyList<float[]> raw, IReadOnlyList<string?> categories, IReadOnlyList<Lab?> colours,
        IReadOnlyList<(float[] A, float[] B)> given, WhiteningOptions? options = null, double minColourDifference = DefaultMinColourDifference)
    {
        if (raw.Count != categories.Count || raw.Count != colours.Count) throw new ArgumentException("One category and one colour per vector.");
        options ??= WhiteningOptions.Default;
        var catalog = CatalogWhitening.Fit(raw, options);
        var whitened = raw.Select(v => catalog.Apply(v)).ToList();
        var mined = MinedPairs.MutualNearest(whitened, categories, (a, b) =>
            colours[a] is { } first && colours[b] is { } second && Ciede2000.Difference(first, second) > minColourDifference);
        if (mined.Count + given.Count < MinimumPairs) return new VariantWhiteningFit(catalog, false, mined, given.Count);
        var pairs = mined.Select(p => (raw[p.A], raw[p.B])).Concat(given).ToList();
        return new VariantWhiteningFit(CatalogWhitening.FitLearned(raw, pairs, options), true, mined, given.Count);
    }
}
