using ColorVariants.Training.Trainers;

namespace ColorVariants.Training.Tests.Trainers;

public class LinearHeadTrainerTests
{
    /// <summary>
    /// 16 styles of 4 products in 8 dimensions: dimensions 0-3 carry the design (one point per
    /// style, a little noise), 4-7 the colour (large, drawn anew for every product). Untrained,
    /// the colour decides the nearest neighbour; a head that learns to drop 4-7 finds the style.
    /// </summary>
    private static (List<float[]> Vectors, List<string?> Styles) Catalog()
    {
        var random = new Random(11);
        var vectors = new List<float[]>();
        var styles = new List<string?>();
        for (var s = 0; s < 16; s++)
        {
            var design = Enumerable.Range(0, 4).Select(_ => random.NextSingle() * 2 - 1).ToArray();
            for (var k = 0; k < 4; k++)
            {
                var v = new float[8];
                for (var j = 0; j < 4; j++) v[j] = design[j] + 0.05f * (random.NextSingle() - 0.5f);
                for (var j = 4; j < 8; j++) v[j] = 3 * (random.NextSingle() * 2 - 1);
                vectors.Add(v);
                styles.Add($"style-{s}");
            }
        }
        return (vectors, styles);
    }

    private static double NearestIsSameStyle(float[][] outputs, List<string?> styles)
    {
        var hits = 0;
        for (var i = 0; i < outputs.Length; i++)
        {
            var best = Enumerable.Range(0, outputs.Length).Where(j => j != i)
                .MaxBy(j => outputs[i].Zip(outputs[j], (a, b) => a * b).Sum());
            if (styles[best] == styles[i]) hits++;
        }
        return (double)hits / outputs.Length;
    }

    [Fact]
    public void Before_any_epoch_the_head_is_the_identity()
    {
        var (vectors, styles) = Catalog();
        using var trainer = new LinearHeadTrainer(vectors, styles, new LinearHeadOptions(StylesPerBatch: 4));

        var head = trainer.Head();

        for (var a = 0; a < 8; a++)
            for (var j = 0; j < 8; j++) Assert.Equal(a == j ? 1f : 0f, head[a * 8 + j]);
        Assert.Equal(0, trainer.Epochs);
    }

    [Fact]
    public void Training_lowers_the_loss_and_makes_the_nearest_neighbour_a_variant()
    {
        var (vectors, styles) = Catalog();
        using var trainer = new LinearHeadTrainer(vectors, styles,
            new LinearHeadOptions(StylesPerBatch: 4, ImagesPerStyle: 4, LearningRate: 0.02, IdentityPenalty: 0));
        var before = NearestIsSameStyle(trainer.Apply(vectors), styles);

        var first = trainer.TrainEpoch();
        LinearHeadEpoch last = first;
        for (var epoch = 1; epoch < 60; epoch++) last = trainer.TrainEpoch();

        Assert.Equal(60, last.Epoch);
        Assert.True(last.Loss < first.Loss / 2, $"loss {first.Loss} -> {last.Loss}");
        var after = NearestIsSameStyle(trainer.Apply(vectors), styles);
        Assert.True(before < 0.5, $"untrained, colour should decide: {before}");
        Assert.True(after > 0.9, $"trained: {after}");
    }

    [Fact]
    public void A_strong_penalty_keeps_the_head_at_the_identity()
    {
        var (vectors, styles) = Catalog();
        using var trainer = new LinearHeadTrainer(vectors, styles,
            new LinearHeadOptions(StylesPerBatch: 4, LearningRate: 0.02, IdentityPenalty: 1e4));
        for (var epoch = 0; epoch < 10; epoch++) trainer.TrainEpoch();

        var head = trainer.Head();

        for (var a = 0; a < 8; a++)
            for (var j = 0; j < 8; j++) Assert.Equal(a == j ? 1.0 : 0.0, head[a * 8 + j], 1);
    }
}
