using ColorVariants.Training.Losses;
using TorchSharp;
using static ColorVariants.Training.Tests.TensorHelpers;

namespace ColorVariants.Training.Tests.Losses;

public class PartContrastiveLossTests
{
    [Fact]
    public void Sums_one_in_batch_InfoNCE_per_part()
    {
        // Part 0: views agree (0°/0°, 180°/180°): each row log(1 + e^-2).
        // Part 1: each product's other view sits on the other product's (0°/90° and 90°/0°): each row log(1 + e).
        using var q0 = Unit(0, 180);
        using var k0 = Unit(0, 180);
        using var q1 = Unit(0, 90);
        using var k1 = Unit(90, 0);

        var result = new PartContrastiveLoss(Temperature: 1.0).Compute([q0, q1], [k0, k1]);
        using var total = result.Total;

        Assert.Equal(Math.Log(1 + Math.Exp(-2)), result.PerPart[0], 5);
        Assert.Equal(Math.Log(1 + Math.E), result.PerPart[1], 5);
        Assert.Equal(Math.Log(1 + Math.Exp(-2)) + Math.Log(1 + Math.E), total.item<float>(), 5);
    }

    [Fact]
    public void A_part_takes_negatives_only_from_its_own_queue()
    {
        using var q = Unit(0, 90);
        using var k = Unit(0, 90);
        using var queue = new MomentumQueue(parts: 2, capacity: 8, dimension: 2);
        using var part1Keys = Unit(180, 200, 220);
        queue.Enqueue(1, part1Keys);
        var loss = new PartContrastiveLoss(Temperature: 1.0);

        var result = loss.Compute([q, q], [k, k], queue);
        using var total = result.Total;

        using var part0 = InfoNce.InBatch(q, k, 1.0);
        using var part1 = InfoNce.InBatch(q, k, 1.0, part1Keys);
        Assert.Equal(part0.item<float>(), result.PerPart[0], 5);
        Assert.Equal(part1.item<float>(), result.PerPart[1], 5);
        Assert.True(result.PerPart[1] > result.PerPart[0]);
    }

    [Fact]
    public void Queue_only_negatives_follow_MoCo()
    {
        using var q = Unit(0);
        using var k = Unit(0);
        using var queue = new MomentumQueue(parts: 1, capacity: 4, dimension: 2);
        using var negatives = Unit(90, 180);
        var loss = new PartContrastiveLoss(Temperature: 1.0, InBatchNegatives: false);

        Assert.Throws<InvalidOperationException>(() => loss.Compute([q], [k], queue));
        queue.Enqueue(0, negatives);
        var result = loss.Compute([q], [k], queue);
        using var total = result.Total;

        Assert.Equal(-Math.Log(Math.E / (Math.E + 1 + Math.Exp(-1))), total.item<float>(), 5);
    }

    [Fact]
    public void Gradients_reach_every_part_query()
    {
        using var q0 = torch.tensor(new[] { 1f, 0.2f, 0.3f, 1f }, [2, 2], requires_grad: true);
        using var q1 = torch.tensor(new[] { 0.5f, 0.5f, -1f, 0.4f }, [2, 2], requires_grad: true);
        using var k = Unit(0, 90);

        var result = new PartContrastiveLoss(0.1).Compute([q0, q1], [k, k]);
        using var total = result.Total;
        total.backward();

        using var g0 = q0.grad!.abs().sum();
        using var g1 = q1.grad!.abs().sum();
        Assert.True(g0.item<float>() > 0);
        Assert.True(g1.item<float>() > 0);
    }
}
