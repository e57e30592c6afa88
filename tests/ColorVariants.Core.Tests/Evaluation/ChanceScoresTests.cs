using ColorVariants.Core.Evaluation;

namespace ColorVariants.Core.Tests.Evaluation;

public class ChanceScoresTests
{
    /// <summary>+e_i and -e_i for 16 axes: of the 496 pairs, 16 score -1 and the rest 0.</summary>
    private static List<float[]> Axes(int dimensions)
    {
        var vectors = new List<float[]>();
        for (var i = 0; i < dimensions; i++)
            foreach (var sign in new[] { 1f, -1f })
            {
                var v = new float[dimensions];
                v[i] = sign;
                vectors.Add(v);
            }
        return vectors;
    }

    [Fact]
    public void Mean_and_spread_are_those_of_all_pairs()
    {
        var chance = ChanceScores.Of(Axes(16))!;
        var mean = -16.0 / 496;
        var spread = Math.Sqrt(16.0 / 496 - mean * mean);
        Assert.Equal((Math.Round(mean, 9), Math.Round(spread, 9), 32), (Math.Round(chance.Mean, 9), Math.Round(chance.Spread, 9), chance.Vectors));
    }

    [Fact]
    public void A_threshold_in_spreads_maps_to_a_cosine_and_back()
    {
        var chance = new ChanceScores(0.01, 0.02, 1000);
        Assert.Equal(0.198, Math.Round(chance.ScoreAt(9.4), 9));
        Assert.Equal(9.4, Math.Round(chance.SpreadsAbove(0.198), 9));
    }

    [Fact]
    public void Too_few_vectors_measure_nothing_and_many_are_sampled_evenly()
    {
        Assert.Null(ChanceScores.Of(Axes(15))); // 30 vectors
        // 2,000 vectors: the even places hold +-e_i of 500 axes, the odd ones copies of one vector that
        // would pull the mean up. Sampled evenly, every second is taken: the axes alone.
        var axes = Axes(500);
        var mixed = axes.SelectMany(v => new[] { v, axes[0] }).ToList();
        var chance = ChanceScores.Of(mixed)!;
        Assert.Equal((ChanceScores.MaxVectors, Math.Round(-500.0 / (1000 * 999 / 2), 9)), (chance.Vectors, Math.Round(chance.Mean, 9)));
    }
}
