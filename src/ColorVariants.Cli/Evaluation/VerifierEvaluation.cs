using System.Globalization;
using ColorVariants.Core.Colour;
using ColorVariants.Core.Embedding;
using ColorVariants.Core.Evaluation;
using Spectre.Console;

namespace ColorVariants.Cli.Evaluation;

/// <summary>A split's products (whitened on themselves), their swatch colours, and the model's blocks.</summary>
public sealed record VerifierSplit(string Name, IReadOnlyList<EmbeddedItem> Items, IReadOnlyList<Lab?> Colours, IReadOnlyList<DescriptorBlock> Blocks);

/// <summary>Same-category retrieval over each query's list, and the decision, before and after the verifier.</summary>
public sealed record VerifierFigures(
    string Verifier, int Candidates, int Queries,
    double RecallAt1Before, double MapAtRBefore, double RecallAt1After, double MapAtRAfter,
    float Threshold, PairwiseFigures TrainDecision, PairwiseFigures Decision, PairwiseFigures? Groups = null);

/// <summary>
/// `eval --verifier`: trains Core <see cref="VariantVerifier"/> on the train split's lists (each
/// product's nearest of its category, labelled by style), chooses its threshold there, then re-ranks
/// the evaluated split's lists by it and decides on them. The service runs the same features on
/// the same lists (its one variant statement), so these are its figures.
/// </summary>
public static class VerifierEvaluation
{
    /// <param name="catalogs">Smaller catalogs cut from the train split (each whitened on itself), learned from
    /// beside it: a verifier that only saw one size of catalog does not carry to others.</param>
    /// <param name="smaller">Smaller catalogs cut from the evaluated split, judged with the same verifier and threshold.</param>
    public static VerifierFigures Run(VerifierSplit train, IReadOnlyList<VerifierSplit> catalogs, VerifierSplit evaluated, IReadOnlyList<VerifierSplit> smaller,
        int candidates, double targetPrecision, int neighbours)
    {
        var learned = catalogs.Append(train).Select(c => Lists(c, candidates)).ToList();
        var trainLabels = learned[^1].Labels; // the train split's lists serve the threshold below too
        var verifier = VariantVerifier.Train(learned.SelectMany(l => l.Rows.SelectMany(r => r)).ToList(), learned.SelectMany(l => l.Labels.SelectMany(x => x)).ToList());

        // The threshold: on the train split's decision pairs, the lowest probability reaching the target.
        var trainPairs = DecisionPairs(train, learned[^1], verifier, neighbours, out _, out _, out _);
        var trainPositives = PairwiseFigures.PositivePairs(train.Items.Select(i => i.Style));
        var calibrated = VariantDecision.Calibrate(trainPairs, trainPositives, targetPrecision);
        var threshold = calibrated?.Score ?? 1f;
        verifier = verifier with { Threshold = threshold };

        var pairs = DecisionPairs(evaluated, Lists(evaluated, candidates), verifier, neighbours, out var before, out var after, out var evaluatedLists);
        var decision = VariantDecision.At(pairs, PairwiseFigures.PositivePairs(evaluated.Items.Select(i => i.Style)), threshold);

        var groups = Groups(evaluated, evaluatedLists, threshold, neighbours);
        var figures = new VerifierFigures(verifier.ToString(), candidates, before.Queries,
            before.RecallAt1, before.MapAtR, after.RecallAt1, after.MapAtR, threshold,
            calibrated?.Figures ?? VariantDecision.At(trainPairs, trainPositives, threshold), decision, groups);

        var names = VerifierFeatures.Names(train.Blocks.Count);
        var weights = string.Join(", ", names.Select((n, i) => $"{n} {verifier.Weights[i].ToString("0.000", CultureInfo.InvariantCulture)}"));
        AnsiConsole.MarkupLineInterpolated($"Verifier trained on the {train.Name} split ({trainLabels.Sum(l => l.Length)} candidates of {train.Items.Count} products, {trainLabels.Sum(l => l.Count(v => v))} variants) and {catalogs.Count} smaller catalogs cut from it ({string.Join(", ", catalogs.Select(c => c.Items.Count))} products): bias {verifier.Bias:0.000}, {weights}");
        AnsiConsole.MarkupLineInterpolated($"As the model file carries it: {verifier}");
        var table = new Table().Border(TableBorder.Simple).AddColumns("on the " + evaluated.Name + " split", "same-cat R@1", "same-cat mAP@R", "decision: called", "precision", "recall");
        table.AddRow($"lists of {candidates} by score", F(before.RecallAt1), F(before.MapAtR), "", "", "");
        table.AddRow($"re-ranked by the verifier, threshold p >= {threshold:0.000}", F(after.RecallAt1), F(after.MapAtR),
            decision.Predicted.ToString(CultureInfo.InvariantCulture), F(decision.Precision), F(decision.Recall));
        table.AddRow("groups from the decision (pairs in one group)", "", "", groups.Predicted.ToString(CultureInfo.InvariantCulture), F(groups.Precision), F(groups.Recall));
        table.AddRow($"(threshold chosen on {train.Name}, target {targetPrecision})", "", "", figures.TrainDecision.Predicted.ToString(CultureInfo.InvariantCulture), F(figures.TrainDecision.Precision), F(figures.TrainDecision.Recall));
        foreach (var piece in smaller)
        {
            var piecePairs = DecisionPairs(piece, Lists(piece, candidates), verifier, neighbours, out var pieceBefore, out var pieceAfter, out var pieceLists);
            var pieceDecision = VariantDecision.At(piecePairs, PairwiseFigures.PositivePairs(piece.Items.Select(i => i.Style)), threshold);
            var pieceGroups = Groups(piece, pieceLists, threshold, neighbours);
            table.AddRow($"{piece.Name}: by score, then re-ranked", $"{F(pieceBefore.RecallAt1)} -> {F(pieceAfter.RecallAt1)}", $"{F(pieceBefore.MapAtR)} -> {F(pieceAfter.MapAtR)}",
                pieceDecision.Predicted.ToString(CultureInfo.InvariantCulture), F(pieceDecision.Precision), F(pieceDecision.Recall));
            table.AddRow($"{piece.Name}: groups", "", "", pieceGroups.Predicted.ToString(CultureInfo.InvariantCulture), F(pieceGroups.Precision), F(pieceGroups.Recall));
        }
        AnsiConsole.Write(table);
        foreach (var (name, splitPairs, splitPositives) in new[] { (train.Name, trainPairs, trainPositives), (evaluated.Name, pairs, PairwiseFigures.PositivePairs(evaluated.Items.Select(i => i.Style))) })
        {
            var curve = VariantDecision.Curve(splitPairs, splitPositives);
            var points = new[] { 0.1, 0.2, 0.3, 0.4 }.Select(recall => curve.Where(c => c.Figures.Recall >= recall).Select(c => c.Figures.Precision).DefaultIfEmpty(0).Max());
            AnsiConsole.MarkupLineInterpolated($"Best precision at recall 0.1 / 0.2 / 0.3 / 0.4 on the {name} split: {string.Join(" / ", points.Select(F))}");
        }
        return figures;
    }

    /// <summary>Each product's list of its category's nearest (best first by score), its feature rows and labels.</summary>
    private sealed record Listed(float[][][] Rows, bool[][] Labels, IReadOnlyList<(int Index, float Score)>[] Lists);

    private static Listed Lists(VerifierSplit split, int candidates)
    {
        var items = split.Items;
        var chance = ChanceScores.Of(items.Select(i => i.Vector).ToList()) ?? throw new InvalidOperationException("Too few products for chance scores.");
        var lists = VariantDecision.NearestInCategory(items, candidates);
        var rows = new float[items.Count][][];
        var labels = new bool[items.Count][];
        Parallel.For(0, items.Count, q =>
        {
            rows[q] = VerifierFeatures.Of(VerifiedNeighbours.Candidates(items, split.Colours, split.Blocks, q, lists[q]), split.Colours[q], chance, items.Count);
            labels[q] = lists[q].Select(c => items[c.Index].Style == items[q].Style).ToArray();
        });
        return new Listed(rows, labels, lists);
    }

    /// <summary>
    /// Re-ranks every list by the verifier's probability (ties by score), then takes the unordered
    /// pairs of each product and its first <paramref name="neighbours"/>, scored by probability.
    /// </summary>
    private static IReadOnlyList<ScoredPair> DecisionPairs(VerifierSplit split, Listed listed, VariantVerifier verifier, int neighbours,
        out (int Queries, double RecallAt1, double MapAtR) before, out (int Queries, double RecallAt1, double MapAtR) after,
        out IReadOnlyList<(int Index, float Probability)>[] rerankedLists)
    {
        var items = split.Items;
        var (rows, labels, lists) = (listed.Rows, listed.Labels, listed.Lists);
        var reranked = lists.Select((list, q) => VerifiedNeighbours.Rerank(list, rows[q], verifier)).ToArray();
        var positives = items.Select((item, q) => items.Count(o => o != item && o.Category == item.Category && o.Style == item.Style)).ToArray();
        before = Figures(positives, q => labels[q]);
        after = Figures(positives, q => reranked[q].Select(c => items[c.Index].Style == items[q].Style).ToArray());
        rerankedLists = reranked;

        return VerifiedNeighbours.Pairs(items, reranked, neighbours);
    }

    /// <summary>
    /// Groups from the verifier's decision: mutual neighbours among each product's first
    /// <paramref name="neighbours"/> by probability, joined at the threshold (Core VariantGrouping), with
    /// same-coloured pairs kept apart as rejected reviews are (the same colour is never a variant).
    /// </summary>
    private static PairwiseFigures Groups(VerifierSplit split, IReadOnlyList<(int Index, float Probability)>[] reranked, float threshold, int neighbours)
    {
        var lists = reranked.Select(l => (IReadOnlyList<(int Index, float Score)>)l.Take(neighbours).ToList()).ToArray();
        var apart = VerifiedNeighbours.SameColour(lists, split.Colours, SameColourMaxDeltaE);
        return VariantGrouping.Score(split.Items, VariantGrouping.Group(lists, threshold, rejected: apart));
    }

    /// <summary>The service's Variants:SameColourMaxDeltaE default: swatches this close are one colour.</summary>
    private const double SameColourMaxDeltaE = 2;

    /// <summary>EVALUATION.md's same-category R@1 and mAP@R over the lists (a variant past the list is a miss).</summary>
    private static (int Queries, double RecallAt1, double MapAtR) Figures(int[] positives, Func<int, bool[]> hits)
    {
        double r1 = 0, map = 0;
        var queries = 0;
        for (var q = 0; q < positives.Length; q++)
        {
            if (positives[q] == 0) continue;
            queries++;
            var list = hits(q);
            if (list.Length > 0 && list[0]) r1++;
            double sum = 0;
            var found = 0;
            for (var rank = 0; rank < Math.Min(positives[q], list.Length); rank++)
                if (list[rank]) sum += (double)++found / (rank + 1);
            map += sum / positives[q];
        }
        return (queries, r1 / queries, map / queries);
    }

    private static string F(double value) => value.ToString("0.000", CultureInfo.InvariantCulture);
}
