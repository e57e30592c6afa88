using ColorVariants.Training.Losses;
using TorchSharp;
using static ColorVariants.Training.Tests.TensorHelpers;

namespace ColorVariants.Training.Tests.Losses;

public class BatchHardTripletLossTests
{
    // Style A at 0° and 60°, style B at 90° and 180°. Between unit vectors θ apart the distance is 2 sin(θ/2):
    // 30° → 0.5176, 60° → 1, 90° → √2, 120° → √3, 180° → 2.
    private static double Chord(double degrees) => 2 * Math.Sin(degrees * Math.PI / 360);

    private static torch.Tensor Labels() => torch.tensor(new long[] { 0, 0, 1, 1 });

    // (hardest positive, hardest negative) per anchor, read off the angles by hand.
    private static readonly (double Positive, double Negative)[] Hardest =
    [
        (Chord(60), Chord(90)),  // 0°: positive 60°; negatives 90° (√2) and 180° (2)
        (Chord(60), Chord(30)),  // 60°: positive 0°; negatives 90° (30° away) and 180° (120° away)
        (Chord(90), Chord(30)),  // 90°: positive 180°; negatives 0° (90° away) and 60° (30° away)
        (Chord(90), Chord(120)), // 180°: positive 90°; negatives 0° (180° away) and 60° (120° away)
    ];

    [Fact]
    public void Equals_the_hand_computed_loss_with_every_triplet_active()
    {
        using var embeddings = Unit(0, 60, 90, 180);
        using var labels = Labels();

        var result = new BatchHardTripletLoss(Margin: 0.5).Compute(embeddings, labels);
        using var loss = result.Loss;

        var expected = Hardest.Average(h => Math.Max(0, 0.5 + h.Positive - h.Negative));
        Assert.Equal(0.66172, expected, 4); // 0.0858 + 0.9824 + 1.3966 + 0.1822, over 4
        Assert.Equal(expected, loss.item<float>(), 4);
        Assert.Equal(1.0, result.ActiveFraction);
        Assert.Equal(4, result.Anchors);
    }

    [Fact]
    public void A_small_margin_leaves_easy_anchors_inactive()
    {
        using var embeddings = Unit(0, 60, 90, 180);
        using var labels = Labels();

        var result = new BatchHardTripletLoss(Margin: 0.1).Compute(embeddings, labels);
        using var loss = result.Loss;

        // 0° (1 - √2 + 0.1 < 0) and 180° (√2 - √3 + 0.1 < 0) are satisfied; 60° and 90° are not.
        Assert.Equal(Hardest.Average(h => Math.Max(0, 0.1 + h.Positive - h.Negative)), loss.item<float>(), 4);
        Assert.Equal(0.5, result.ActiveFraction);
    }

    [Fact]
    public void Soft_margin_is_the_mean_softplus_of_the_gaps()
    {
        using var embeddings = Unit(0, 60, 90, 180);
        using var labels = Labels();

        var result = new BatchHardTripletLoss(SoftMargin: true).Compute(embeddings, labels);
        using var loss = result.Loss;

        Assert.Equal(Hardest.Average(h => Math.Log(1 + Math.Exp(h.Positive - h.Negative))), loss.item<float>(), 4);
    }

    [Fact]
    public void Embeddings_are_normalised_first()
    {
        using var unit = Unit(0, 60, 90, 180);
        using var scaled = unit * torch.tensor(new[] { 3f, 0.5f, 7f, 2f }).view(4, 1);
        using var labels = Labels();

        using var a = new BatchHardTripletLoss(0.5).Compute(unit, labels).Loss;
        using var b = new BatchHardTripletLoss(0.5).Compute(scaled, labels).Loss;

        Assert.Equal(a.item<float>(), b.item<float>(), 5);
    }

    [Fact]
    public void Anchors_without_a_positive_are_left_out()
    {
        // The lone 180° vector (label 2) has no positive; the other anchors are those of a 3-vector batch.
        using var embeddings = Unit(0, 60, 90, 180);
        using var labels = torch.tensor(new long[] { 0, 0, 1, 2 });

        var result = new BatchHardTripletLoss(0.5).Compute(embeddings, labels);
        using var loss = result.Loss;

        Assert.Equal(2, result.Anchors);
        // 0°: positive 60° (1), nearest negative 90° (√2); 60°: positive 0° (1), nearest negative 90° (0.5176).
        Assert.Equal((Math.Max(0, 0.5 + 1 - Chord(90)) + (0.5 + 1 - Chord(30))) / 2, loss.item<float>(), 4);
    }

    [Fact]
    public void Gradients_stay_finite_with_repeated_images()
    {
        // P x K batches repeat images of small styles: distance 0 must not poison the gradient.
        using var embeddings = torch.tensor(new[] { 1f, 0f, 1f, 0f, 0f, 1f, 0.6f, 0.8f }, [4, 2], requires_grad: true);
        using var labels = torch.tensor(new long[] { 0, 0, 1, 1 });

        using var loss = new BatchHardTripletLoss(0.3).Compute(embeddings, labels).Loss;
        loss.backward();

        using var grad = embeddings.grad!;
        using var finite = grad.isfinite().all();
        Assert.True(finite.item<bool>());
        using var norm = grad.abs().sum();
        Assert.True(norm.item<float>() > 0);
    }
}
