using System.Text.Json;
using ColorVariants.Core.Evaluation;

namespace ColorVariants.Cli.Evaluation;

/// <summary>What <c>eval --grouping</c> measured: the variant threshold, where it came from, and its pairwise figures.</summary>
/// <param name="Decision">"score >= threshold" over each product's nearest pairs of its category.</param>
/// <param name="Groups">The variant groups it makes (EVALUATION.md's grouping protocol).</param>
public sealed record GroupingFigures(
    float Threshold, double SpreadsAboveChance, string ThresholdSource, double TargetPrecision, int Neighbours,
    PairwiseFigures Decision, PairwiseFigures Groups, int GroupCount);

/// <summary>
/// What <c>eval --json</c> writes and <c>results</c> reads back: one type, so the two cannot
/// drift apart.
/// </summary>
/// <param name="Descriptor">How the pretrained net pooled its features (imagenet baselines only).</param>
/// <param name="Whitening">The label-free post-processing, e.g. "catalog (1726 vectors, rank 512)"; null for none.</param>
public sealed record EvalRecord(
    string Name,
    string? Model,
    string? Baseline,
    int InputSize,
    string ColourMode,
    string? Descriptor,
    string? Whitening,
    string Catalog,
    string CatalogFingerprint,
    string Split,
    int Items,
    RetrievalFigures Open,
    RetrievalFigures SameCategory,
    ShadeBias? ShadeBias,
    double Seconds,
    GroupingFigures? Grouping = null,
    VerifierFigures? Verifier = null)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public void Write(string path) => File.WriteAllText(path, JsonSerializer.Serialize(this, Json));

    public static EvalRecord Read(string path) =>
        JsonSerializer.Deserialize<EvalRecord>(File.ReadAllBytes(path), Json)
        ?? throw new InvalidDataException($"{path} holds no eval record.");
}
