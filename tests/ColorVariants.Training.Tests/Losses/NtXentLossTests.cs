using ColorVariants.Training.Losses;
using static ColorVariants.Training.Tests.TensorHelpers;

namespace ColorVariants.Training.Tests.Losses;

public class NtXentLossTests
{
    [Fact]
    public void Identical_views_of_opposite_samples()
    {
        // Views at 0°, 0° and 180°, 180°: each anchor sees its positive at cos 1 and two negatives at cos -1,
        // so every term is -log(e^(1/t) / (e^(1/t) + 2 e^(-1/t))) = log(1 + 2 e^(-2/t)).
        using var view1 = Unit(0, 180);
        using var view2 = Unit(0, 180);

        using var atOne = new NtXentLoss(Temperature: 1.0).Compute(view1, view2);
        using var atHalf = new NtXentLoss(Temperature: 0.5).Compute(view1, view2);

        Assert.Equal(Math.Log(1 + 2 * Math.Exp(-2)), atOne.item<float>(), 5);
        Assert.Equal(0.23954, atOne.item<float>(), 4);
        Assert.Equal(Math.Log(1 + 2 * Math.Exp(-4)), atHalf.item<float>(), 5);
    }

    [Fact]
    public void Orthogonal_views_on_a_square()
    {
        // Sample 0: 0° and 90°; sample 1: 180° and 270°. Each anchor: positive at cos 0, negatives at cos -1 and 0:
        // -log(1 / (1 + e^-1 + 1)) = log(2 + e^-1).
        using var view1 = Unit(0, 180);
        using var view2 = Unit(90, 270);

        using var loss = new NtXentLoss(Temperature: 1.0).Compute(view1, view2);

        Assert.Equal(Math.Log(2 + Math.Exp(-1)), loss.item<float>(), 5);
    }

    [Fact]
    public void Swapping_the_views_changes_nothing()
    {
        using var view1 = Unit(10, 100, 200);
        using var view2 = Unit(30, 150, 250);
        using var a = new NtXentLoss(0.2).Compute(view1, view2);
        using var b = new NtXentLoss(0.2).Compute(view2, view1);
        Assert.Equal(a.item<float>(), b.item<float>(), 5);
    }
}
