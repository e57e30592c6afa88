using ColorVariants.Core.Evaluation;

namespace ColorVariants.Cli.Evaluation;

/// <summary>The variant decision's precision-recall curve as a PNG, with the chosen threshold marked.</summary>
public static class PrecisionRecallPlot
{
    public static void Save(string path, IReadOnlyList<(float Threshold, PairwiseFigures Figures)> curve, float chosen, string caption)
    {
        var plot = new ScottPlot.Plot();
        var recall = curve.Select(c => c.Figures.Recall).ToArray();
        var precision = curve.Select(c => c.Figures.Precision).ToArray();
        var line = plot.Add.ScatterLine(recall, precision);
        line.LegendText = "score >= threshold";
        var at = curve.Where(c => c.Threshold >= chosen).DefaultIfEmpty(curve[0]).Last();
        var marker = plot.Add.Marker(at.Figures.Recall, at.Figures.Precision, ScottPlot.MarkerShape.FilledCircle, 10, ScottPlot.Colors.Red);
        marker.LegendText = $"threshold {chosen:0.0000}: P {at.Figures.Precision:0.000}, R {at.Figures.Recall:0.000}";
        plot.Axes.SetLimits(0, 1, 0, 1.02);
        plot.XLabel("pairwise recall");
        plot.YLabel("pairwise precision");
        plot.Title(caption, size: 12);
        plot.ShowLegend(ScottPlot.Alignment.LowerLeft);
        plot.SavePng(path, 800, 600);
    }
}
