using ColorVariants.Training.Losses;
using static ColorVariants.Training.Tests.TensorHelpers;

namespace ColorVariants.Training.Tests.Losses;

public class InfoNceTests
{
    [Fact]
    public void With_explicit_negatives()
    {
        // Query and key at 0°, negatives at 90° (cos 0) and 180° (cos -1).
        using var query = Unit(0);
        using var key = Unit(0);
        using var negatives = Unit(90, 180);

        using var atOne = InfoNce.WithNegatives(query, key, negatives, temperature: 1.0);
        using var atHalf = InfoNce.WithNegatives(query, key, negatives, temperature: 0.5);

        Assert.Equal(-Math.Log(Math.E / (Math.E + 1 + Math.Exp(-1))), atOne.item<float>(), 5);
        Assert.Equal(-Math.Log(Math.Exp(2) / (Math.Exp(2) + 1 + Math.Exp(-2))), atHalf.item<float>(), 5);
    }

    [Fact]
    public void In_batch_the_other_keys_are_the_negatives()
    {
        // Queries and keys at 0° and 90°: each row has its positive at cos 1 and the other key at cos 0.
        using var query = Unit(0, 90);
        using var key = Unit(0, 90);

        using var loss = InfoNce.InBatch(query, key, temperature: 1.0);

        Assert.Equal(Math.Log(1 + Math.Exp(-1)), loss.item<float>(), 5);
    }

    [Fact]
    public void In_batch_with_queue_negatives_added()
    {
        // Extra negative at 180°: row 0 (0°) sees logits 1, 0, -1; row 1 (90°) sees 0, 1, 0.
        using var query = Unit(0, 90);
        using var key = Unit(0, 90);
        using var extra = Unit(180);

        using var loss = InfoNce.InBatch(query, key, temperature: 1.0, extra);

        var row0 = -Math.Log(Math.E / (Math.E + 1 + Math.Exp(-1)));
        var row1 = -Math.Log(Math.E / (Math.E + 2));
        Assert.Equal((row0 + row1) / 2, loss.item<float>(), 5);
    }

    [Fact]
    public void Inputs_of_any_length_are_normalised()
    {
        using var query = Unit(0) * 5.0;
        using var key = Unit(0) * 0.1;
        using var negatives = Unit(90, 180) * 3.0;
        using var loss = InfoNce.WithNegatives(query, key, negatives, temperature: 1.0);
        Assert.Equal(-Math.Log(Math.E / (Math.E + 1 + Math.Exp(-1))), loss.item<float>(), 5);
    }
}
