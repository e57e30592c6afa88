using System.Globalization;
using ColorVariants.Core.Colour;
using MathNet.Numerics.LinearAlgebra;

namespace ColorVariants.Core.Evaluation;

/// <summary>A candidate of a query's list (best first), as the verifier reads it.</summary>
/// <param name="Score">The fused cosine the list is ranked by.</param>
/// <param name="Blocks">Each descriptor block's own cosine (Core <c>BlockCosines</c>).</param>
/// <param name="Colour">The candidate's swatch colour, when it has one.</param>
public readonly record struct VerifierCandidate(float Score, float[] Blocks, Lab? Colour);

/// <summary>
/// What the verifier reads of a candidate: nothing but the image's vectors, the list they rank and
/// the swatches (never a name or other free text). Every feature means the same in a catalog of
/// 400 products and of 50,000: scores in spreads above the catalog's chance (Core
/// <see cref="ChanceScores"/>) or against the query's own list, so the verifier travels between
/// catalogs as the threshold in spreads does.
/// </summary>
public static class VerifierFeatures
{
    /// <summary>The list's statistics are taken over its best this many.</summary>
    public const int Head = 10;

    public static string[] Names(int blocks) =>
    [
        "spreads_above_chance", "z_in_list", "spreads_below_first",
        .. Enumerable.Range(0, blocks).Select(b => $"block{b}_z_in_list"),
        "log_rank", "colour_difference", "near_same_colour", "spreads_above_tenth", "log_catalog_size",
        // Pairwise products: a linear model with them bends where the single features cannot (a high
        // score counts for less in a large catalog, a colour difference for more at a high score).
        "spreads_squared", "spreads_x_log_catalog_size", "spreads_x_colour_difference", "z_x_colour_difference",
        "block_z_product", "spreads_x_log_rank", "z_squared", "colour_difference_squared",
    ];

    /// <summary>One row of features per candidate of <paramref name="ranked"/> (best first).</summary>
    /// <param name="catalogSize">How many vectors the catalog's whitening was fitted on: a small catalog's
    /// variants stand out by fewer spreads, since the whitening spreads its vectors over fewer directions.</param>
    public static float[][] Of(IReadOnlyList<VerifierCandidate> ranked, Lab? query, ChanceScores chance, int catalogSize)
    {
        if (ranked.Count == 0) return [];
        var blocks = ranked[0].Blocks.Length;
        var head = Math.Min(Head, ranked.Count);
        var (mean, spread) = Moments(ranked, head, c => c.Score);
        var blockMoments = Enumerable.Range(0, blocks).Select(b => Moments(ranked, head, c => c.Blocks[b])).ToArray();
        var first = ranked[0].Score;
        var rows = new float[ranked.Count][];
        for (var i = 0; i < ranked.Count; i++)
        {
            var c = ranked[i];
            var row = new float[16 + blocks];
            row[0] = (float)(chance.SpreadsAbove(c.Score) / 10);
            row[1] = (float)((c.Score - mean) / spread);
            row[2] = (float)((first - c.Score) / chance.Spread / 10);
            for (var b = 0; b < blocks; b++) row[3 + b] = (float)((c.Blocks[b] - blockMoments[b].Mean) / blockMoments[b].Spread);
            row[3 + blocks] = MathF.Log(1 + i);
            // A variant has another colour: how far the swatches are apart (CIEDE2000, in twenties, at most 3).
            var difference = query is { } q && c.Colour is { } colour ? Ciede2000.Difference(q, colour) : 20;
            row[4 + blocks] = (float)Math.Min(difference / 20, 3);
            row[5 + blocks] = (float)Math.Max(0, 1 - difference / 5);
            // How far above the list's tenth: a query with a crowd of lookalikes has a high tenth.
            row[6 + blocks] = (float)((c.Score - ranked[head - 1].Score) / chance.Spread / 10);
            row[7 + blocks] = (float)Math.Log10(Math.Max(catalogSize, 1)) - 3;
            var (spreads, z, apart, size, rank) = (row[0], row[1], row[4 + blocks], row[7 + blocks], row[3 + blocks]);
            row[8 + blocks] = spreads * spreads;
            row[9 + blocks] = spreads * size;
            row[10 + blocks] = spreads * apart;
            row[11 + blocks] = z * apart;
            row[12 + blocks] = row[3] * row[blocks > 1 ? 4 : 3]; // the first two blocks' z (a single block's, squared)
            row[13 + blocks] = spreads * rank;
            row[14 + blocks] = z * z;
            row[15 + blocks] = apart * apart;
            rows[i] = row;
        }
        return rows;
    }

    private static (double Mean, double Spread) Moments(IReadOnlyList<VerifierCandidate> ranked, int head, Func<VerifierCandidate, float> value)
    {
        double sum = 0, squares = 0;
        for (var i = 0; i < head; i++) { double v = value(ranked[i]); sum += v; squares += v * v; }
        var mean = sum / head;
        return (mean, Math.Sqrt(Math.Max(squares / head - mean * mean, 0)) + 1e-4);
    }
}

/// <summary>
/// Decides whether a candidate is a colour variant of the query: a logistic regression over
/// <see cref="VerifierFeatures"/>, trained on labelled pairs (a catalog's styles, review verdicts),
/// and a probability threshold chosen on them. Carried in the model file as text
/// (<see cref="ToString"/>), so the service and the CLI decide alike.
/// </summary>
/// <param name="Weights">One per feature, in <see cref="VerifierFeatures.Names"/>' order.</param>
/// <param name="Threshold">A candidate whose probability reaches this is called a variant.</param>
public sealed record VariantVerifier(float Bias, float[] Weights, float Threshold)
{
    public double Probability(ReadOnlySpan<float> features)
    {
        if (features.Length != Weights.Length) throw new ArgumentException($"The verifier reads {Weights.Length} features, not {features.Length}.", nameof(features));
        double z = Bias;
        for (var i = 0; i < features.Length; i++) z += Weights[i] * features[i];
        return 1 / (1 + Math.Exp(-z));
    }

    /// <summary>
    /// Fits the weights by Newton's method (iteratively reweighted least squares) with a small ridge
    /// on the weights: deterministic, a few iterations for a handful of features.
    /// </summary>
    public static VariantVerifier Train(IReadOnlyList<float[]> features, IReadOnlyList<bool> labels, double ridge = 1.0)
    {
        if (features.Count != labels.Count || features.Count == 0) throw new ArgumentException("One label per feature row, and at least one row.");
        if (!labels.Contains(true) || !labels.Contains(false)) throw new ArgumentException("A verifier needs both variants and non-variants to learn from.");
        var (n, d) = (features.Count, features[0].Length + 1);
        var x = Matrix<double>.Build.Dense(n, d, (i, j) => j == 0 ? 1 : features[i][j - 1]);
        var y = Vector<double>.Build.Dense(n, i => labels[i] ? 1 : 0);
        var w = Vector<double>.Build.Dense(d);
        var penalty = Matrix<double>.Build.DenseIdentity(d) * ridge;
        penalty[0, 0] = 0; // the bias is not shrunk
        for (var iteration = 0; iteration < 50; iteration++)
        {
            var p = (x * w).Map(z => 1 / (1 + Math.Exp(-z)));
            var gradient = x.TransposeThisAndMultiply(y - p) - penalty * w;
            var weights = p.Map(v => Math.Max(v * (1 - v), 1e-9));
            var hessian = x.TransposeThisAndMultiply(x.MapIndexed((i, _, v) => v * weights[i])) + penalty;
            var step = hessian.Solve(gradient);
            w += step;
            if (step.AbsoluteMaximum() < 1e-8) break;
        }
        return new VariantVerifier((float)w[0], w.Skip(1).Select(v => (float)v).ToArray(), 0.5f);
    }

    /// <summary>"bias;w1,w2,...;threshold", invariant culture, round-trippable.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Bias:R};{string.Join(',', Weights.Select(w => w.ToString("R", CultureInfo.InvariantCulture)))};{Threshold:R}");

    public static VariantVerifier Parse(string text)
    {
        static float Number(string s) => float.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && float.IsFinite(v)
            ? v : throw new FormatException($"'{s}' is not a number.");
        if (text.Split(';') is not [var bias, var weights, var threshold])
            throw new FormatException("A verifier is written bias;w1,w2,...;threshold.");
        return new VariantVerifier(Number(bias), weights.Split(',').Select(Number).ToArray(), Number(threshold));
    }
}

/// <summary>
/// A whole catalog's answers at once, as the service's ranking gives them one by one: each item's
/// nearest <c>candidates</c> of its category by score, re-ranked by the verifier's probability (ties
/// by score). What groups are made from, and what `eval --verifier` judges.
/// </summary>
public static class VerifiedNeighbours
{
    /// <param name="colours">Each item's swatch colour, when it has one.</param>
    /// <param name="catalogSize">How many vectors the catalog's whitening was fitted on.</param>
    public static IReadOnlyList<(int Index, float Probability)>[] Of(IReadOnlyList<EmbeddedItem> items, IReadOnlyList<Lab?> colours,
        IReadOnlyList<Embedding.DescriptorBlock> blocks, ChanceScores chance, int catalogSize, VariantVerifier verifier, int candidates)
    {
        var lists = VariantDecision.NearestInCategory(items, candidates);
        var result = new IReadOnlyList<(int Index, float Probability)>[items.Count];
        Parallel.For(0, items.Count, q =>
            result[q] = Rerank(lists[q], VerifierFeatures.Of(Candidates(items, colours, blocks, q, lists[q]), colours[q], chance, catalogSize), verifier));
        return result;
    }

    /// <summary>One list (best first by score) in the verifier's order: by probability, ties by score.</summary>
    /// <param name="rows">The list's feature rows (<see cref="VerifierFeatures.Of"/>), in the list's order.</param>
    public static IReadOnlyList<(int Index, float Probability)> Rerank(IReadOnlyList<(int Index, float Score)> list, float[][] rows, VariantVerifier verifier) =>
        list.Select((c, i) => (c.Index, Probability: (float)verifier.Probability(rows[i]), c.Score))
            .OrderByDescending(c => c.Probability).ThenByDescending(c => c.Score).Select(c => (c.Index, c.Probability)).ToList();

    /// <summary>The verifier's view of query <paramref name="q"/>'s list: each candidate's score, block cosines and colour.</summary>
    public static List<VerifierCandidate> Candidates(IReadOnlyList<EmbeddedItem> items, IReadOnlyList<Lab?> colours,
        IReadOnlyList<Embedding.DescriptorBlock> blocks, int q, IReadOnlyList<(int Index, float Score)> list) =>
        list.Select(c =>
        {
            var scores = new float[blocks.Count];
            Embedding.BlockCosines.Of(items[q].Vector, items[c.Index].Vector, blocks, scores);
            return new VerifierCandidate(c.Score, scores, colours[c.Index]);
        }).ToList();

    /// <summary>
    /// The decision pairs: each item and its first <paramref name="neighbours"/> by probability, as
    /// unordered pairs scored by probability (a pair seen from both ends keeps the higher), best first.
    /// What a threshold on the probability is calibrated on, as <see cref="VariantDecision.NearestPairs(IReadOnlyList{EmbeddedItem}, int)"/> is for a score.
    /// </summary>
    public static IReadOnlyList<ScoredPair> Pairs(IReadOnlyList<EmbeddedItem> items, IReadOnlyList<IReadOnlyList<(int Index, float Probability)>> lists, int neighbours)
    {
        var pairs = new Dictionary<(int, int), ScoredPair>();
        for (var q = 0; q < items.Count; q++)
            foreach (var (c, p) in lists[q].Take(neighbours))
            {
                var key = q < c ? (q, c) : (c, q);
                if (!pairs.TryGetValue(key, out var known) || known.Score < p)
                    pairs[key] = new ScoredPair(key.Item1, key.Item2, p, items[q].Style == items[c].Style);
            }
        return pairs.Values.OrderByDescending(p => p.Score).ThenBy(p => p.A).ThenBy(p => p.B).ToList();
    }

    /// <summary>
    /// The pairs of each list whose swatches are within <paramref name="maxDeltaE"/> (CIEDE2000): the same
    /// colour is never a variant, so groups keep them apart as they keep a rejected review's pair.
    /// </summary>
    public static List<(int A, int B)> SameColour(IReadOnlyList<IReadOnlyList<(int Index, float Probability)>> lists, IReadOnlyList<Lab?> colours, double maxDeltaE)
    {
        var pairs = new List<(int A, int B)>();
        for (var q = 0; q < lists.Count; q++)
            foreach (var (c, _) in lists[q])
                if (colours[q] is { } a && colours[c] is { } b && Ciede2000.Difference(a, b) <= maxDeltaE) pairs.Add((q, c));
        return pairs;
    }
}
