using System.Globalization;
using ColorVariants.Api.Embedding;
using ColorVariants.Api.Infrastructure;
using ColorVariants.Api.Models;
using ColorVariants.Api.Storage;
using ColorVariants.Core.Colour;
using ColorVariants.Core.Evaluation;
using ColorVariants.Core.Images;
using ColorVariants.Core.Models;
using Microsoft.Extensions.Options;

namespace ColorVariants.Api.Variants;

/// <summary>What a calibration found on the catalog's labelled products.</summary>
/// <param name="Pairs">Distinct pairs among each labelled product's nearest neighbours in its category.</param>
/// <param name="Predicted">Of them, the pairs at or above the threshold; <paramref name="Correct"/> of those share a label.</param>
/// <param name="Positives">Pairs of labelled products that share a label, found among the neighbours or not.</param>
/// <param name="OfVerifier">The threshold is the model verifier's probability (pairs among each product's nearest as the
/// verifier orders them), not a score: the verifier then decides with it.</param>
public sealed record ThresholdCalibration(
    double TargetPrecision, string LabelAttribute, int LabelledProducts, int Neighbours,
    long Pairs, long Predicted, long Correct, long Positives, double Precision, double Recall, DateTimeOffset At, bool OfVerifier = false);

/// <summary>A calibrated threshold as stored with its model, and the whitening version its scores were read under.</summary>
public sealed record StoredThreshold(double Score, ThresholdCalibration Calibration, int WhiteningVersion);

/// <summary>The threshold /variants uses now, and where it comes from.</summary>
/// <param name="Source">`calibrated` (on this catalog's labels), `model` (the model file's own) or `default`
/// (Variants:DefaultSpreadsAboveChance on this catalog's <paramref name="Chance"/>, or a fixed Variants:DefaultThreshold).</param>
/// <param name="Stale">Calibrated under an earlier whitening than the one served: scores have moved since; the next refit or calibration replaces it.</param>
/// <param name="SpreadsAboveChance">Where the threshold lies on this catalog's chance scores (null before they are known).</param>
/// <param name="Chance">The catalog's chance scores (Core <see cref="ChanceScores"/>): what two products taken at random score.</param>
/// <param name="VerifierThreshold">The probability from which the model's verifier calls an item a variant, when it decides
/// (Variants/VariantRanking): the model file's, or calibrated on the catalog's labels (<paramref name="VerifierCalibration"/>).</param>
public sealed record VariantThresholdStatus(double Score, string Source, bool Stale, ThresholdCalibration? Calibration,
    double? SpreadsAboveChance = null, ChanceScores? Chance = null, double? VerifierThreshold = null, ThresholdCalibration? VerifierCalibration = null);

public enum CalibrationOutcome { Calibrated, TooFewLabels, Unreachable }

/// <summary>The answer of POST /models/active/variant-threshold.</summary>
public sealed record ThresholdRecalibration(CalibrationOutcome Outcome, string Detail, VariantThresholdStatus Threshold);

/// <summary>
/// The active model's decision "are these two products colour variants?": a score threshold,
/// calibrated on the catalog's labelled products (Variants:LabelAttribute, e.g. an import's
/// `style`) to Variants:TargetPrecision with <see cref="VariantDecision"/>, the code
/// `colorvariants eval --grouping` measures with, on the same pairs /variants shows: each
/// product's nearest neighbours in its category. Without enough labels the model's own threshold
/// or the default applies, and <see cref="Status"/> says so. The default is written in spreads
/// above the catalog's chance scores, not as a cosine: cosines shrink with the catalog the
/// whitening was fitted on, so a fixed cosine that suits 5,000 products calls nothing a variant in 700.
/// </summary>
public sealed class VariantThresholds(
    CatalogStore store,
    ServedModel models,
    ImageEmbedder embedder,
    ActiveWhitening whitening,
    IOptions<VariantDecisionOptions> options,
    ILogger<VariantThresholds> logger)
{
    private StoredThreshold? _stored;
    private int _loadedFor = -1;
    private MeasuredChance? _chance;

    /// <summary>Chance scores and the state of the catalog they were measured on.</summary>
    private sealed record MeasuredChance(int ModelId, int WhiteningVersion, ChanceScores? Scores);

    /// <summary>The threshold in force, rounded as scores are (<see cref="VariantHit.Round"/>), so `score >= threshold` is exact.</summary>
    public double Current => Status.Score;

    public VariantThresholdStatus Status
    {
        get
        {
            var stored = Volatile.Read(ref _stored);
            var chance = Volatile.Read(ref _chance)?.Scores;
            var verifier = DecidingVerifier;
            VariantThresholdStatus With(double score, string source, bool stale = false, ThresholdCalibration? calibration = null) =>
                new(score, source, stale, calibration, chance is null ? null : Math.Round(chance.SpreadsAbove(score), 2), chance,
                    verifier is null ? null : Math.Round(verifier.Threshold, 4), stored is { Calibration.OfVerifier: true } ? stored.Calibration : null);
            // A calibration of the verifier's probability leaves the score threshold to the model's or the default.
            if (stored is not null && !stored.Calibration.OfVerifier)
                return With(stored.Score, "calibrated", stored.WhiteningVersion != whitening.Known.Version, stored.Calibration);
            if (models.IsRegistered && ModelThreshold() is { } own) return With(own, "model");
            if (options.Value.DefaultThreshold is { } fixedScore) return With(VariantHit.Round(fixedScore), "default");
            // Before the catalog has enough vectors to measure chance, only a perfect match is called a variant.
            return With(chance is null ? 1 : VariantHit.Round(Math.Min(1, chance.ScoreAt(options.Value.DefaultSpreadsAboveChance))), "default");
        }
    }

    /// <summary>
    /// The chance scores a verifier reads (Variants/VariantRanking): only those measured under the
    /// whitening in force, since the verifier learned on whitened catalogs. Null before the catalog's
    /// first whitening, and then the score order stands.
    /// </summary>
    public (ChanceScores Scores, int CatalogSize)? VerifierChance
    {
        get
        {
            var known = whitening.Known;
            return known.Whitening is { } fitted && Volatile.Read(ref _chance) is { Scores: { } scores } measured && measured.WhiteningVersion == known.Version
                ? (scores, fitted.SampleCount)
                : null;
        }
    }

    /// <summary>
    /// The verifier that decides isVariant: the served model's, with its threshold calibrated on the
    /// catalog's labels when a calibration could read it (a whitened catalog); null when the model has
    /// none, or a score threshold calibrated on labels decides (a shop's own trade-off wins).
    /// </summary>
    public VariantVerifier? DecidingVerifier
    {
        get
        {
            if (!models.IsRegistered || models.Active.Verifier is not { } verifier) return null;
            var stored = Volatile.Read(ref _stored);
            if (stored is null) return verifier;
            return stored.Calibration.OfVerifier ? verifier with { Threshold = (float)stored.Score } : null;
        }
    }

    /// <summary>Reads the active model's stored calibration (start-up, and each background check, so instances agree).</summary>
    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        var model = models.Active;
        Volatile.Write(ref _stored, await store.ReadVariantThresholdAsync(model, cancellationToken));
        _loadedFor = model.Id;
        await RefreshChanceAsync(cancellationToken);
    }

    /// <summary>
    /// Measures the catalog's chance scores again when the served vectors have changed under them:
    /// another model or whitening, or a catalog still too small for a full sample (each upload then
    /// moves them). True when the threshold in force has changed.
    /// </summary>
    public async Task<bool> RefreshChanceAsync(CancellationToken cancellationToken)
    {
        var model = models.Active;
        var version = whitening.Known.Version;
        var known = Volatile.Read(ref _chance);
        if (known is not null && known.ModelId == model.Id && known.WhiteningVersion == version && known.Scores?.Vectors >= ChanceScores.MaxVectors)
            return false;
        var before = Current;
        var vectors = await store.ChanceSampleAsync(model, ChanceScores.MaxVectors, cancellationToken);
        var scores = await Task.Run(() => ChanceScores.Of(vectors), cancellationToken);
        Volatile.Write(ref _chance, new MeasuredChance(model.Id, version, scores));
        return Current != before;
    }

    /// <summary>Calibrates on the labelled products as they are now and stores the threshold; keeps the old one if none reaches the target.</summary>
    public async Task<ThresholdRecalibration> CalibrateAsync(double? targetPrecision, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var target = targetPrecision ?? settings.TargetPrecision;
        var model = models.Active;
        if (_loadedFor != model.Id) await LoadAsync(cancellationToken);
        await RefreshChanceAsync(cancellationToken); // a refit calibrates right after it: chance scores under the new whitening
        var (items, swatches, version) = await store.LabelledVectorsAsync(model, settings.LabelAttribute, cancellationToken);
        var positives = PairwiseFigures.PositivePairs(items.Select(i => i.Style));
        if (items.Count < settings.MinimumLabelledProducts || positives == 0)
            return new(CalibrationOutcome.TooFewLabels,
                $"{items.Count} products of model {model.Name} have a '{settings.LabelAttribute}' attribute ({positives} pairs share one); " +
                $"a calibration needs at least {settings.MinimumLabelledProducts} (Variants:MinimumLabelledProducts) and some pairs. Nothing was changed.", Status);

        // With a verifier (and a whitened catalog, what it learned on), its probability is calibrated on the
        // pairs it would show: each product's nearest as it orders them. Else the score, on the score's order.
        var verifier = models.Active.Verifier;
        var chance = VerifierChance;
        var ofVerifier = verifier is not null && chance is not null;
        var pairs = await Task.Run(() =>
        {
            if (!ofVerifier) return VariantDecision.NearestPairs(items, settings.Neighbours);
            var colours = swatches.Select(hex => hex is null ? (Lab?)null : Lab.FromRgb(Swatch.ParseHex(hex))).ToList();
            var lists = VerifiedNeighbours.Of(items, colours, model.Blocks, chance!.Value.Scores, chance.Value.CatalogSize, verifier!, VariantRanking.Candidates);
            return VerifiedNeighbours.Pairs(items, lists, settings.Neighbours);
        }, cancellationToken);
        if (VariantDecision.Calibrate(pairs, positives, target) is not { } found)
            return new(CalibrationOutcome.Unreachable,
                $"No threshold reaches precision {target.ToString(CultureInfo.InvariantCulture)} on the {pairs.Count} nearest pairs of {items.Count} labelled products " +
                "(with at least 20 pairs called variants). Nothing was changed.", Status);

        var figures = found.Figures;
        var calibration = new ThresholdCalibration(target, settings.LabelAttribute, items.Count, settings.Neighbours, pairs.Count,
            figures.Predicted, figures.TruePositives, figures.Positives, Math.Round(figures.Precision, 4), Math.Round(figures.Recall, 4), DateTimeOffset.UtcNow, ofVerifier);
        var stored = new StoredThreshold(VariantHit.Round(found.Score), calibration, version);
        await store.SaveVariantThresholdAsync(model, stored, cancellationToken);
        Volatile.Write(ref _stored, stored);
        await RefreshChanceAsync(cancellationToken);
        var detail = $"{(ofVerifier ? "Verifier probability threshold" : "Threshold")} {stored.Score.ToString(CultureInfo.InvariantCulture)} on {items.Count} labelled products: precision {calibration.Precision}, recall {calibration.Recall} " +
                     $"({figures.TruePositives} of {figures.Predicted} pairs called variants are; {positives} pairs share a label).";
        logger.LogInformation("Variant threshold of model {Model}: {Detail}", model.Name, detail);
        return new(CalibrationOutcome.Calibrated, detail, Status);
    }

    private double? ModelThreshold()
    {
        return embedder.Model.Metadata.TryGetValue(ModelMetadataKeys.VariantThreshold, out var text)
               && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value is >= -1 and <= 1
            ? VariantHit.Round(value)
            : null;
    }
}
