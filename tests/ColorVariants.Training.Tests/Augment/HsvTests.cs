using ColorVariants.Training.Augment;
using TorchSharp;
using static ColorVariants.Training.Tests.TensorHelpers;

namespace ColorVariants.Training.Tests.Augment;

public class HsvTests
{
    /// <summary>A [1,3,1,n] picture of the given pixels.</summary>
    private static torch.Tensor Pixels(params (float R, float G, float B)[] pixels) =>
        torch.tensor(pixels.Select(p => p.R).Concat(pixels.Select(p => p.G)).Concat(pixels.Select(p => p.B)).ToArray(),
            [1, 3, 1, pixels.Length]);

    [Fact]
    public void Hue_saturation_and_value_of_known_colours()
    {
        using var rgb = Pixels((255, 0, 0), (0, 255, 0), (0, 0, 255), (0, 255, 255), (255, 128, 0), (128, 128, 128), (255, 0, 255));
        using var rgb01 = rgb / 255.0;
        var (h, s, v) = Hsv.FromRgb(rgb01);
        using (h) using (s) using (v)
        {
            float[] hue = [0f, 1f / 3, 2f / 3, 0.5f, 128f / 255 / 6, 0f, 5f / 6];
            float[] saturation = [1, 1, 1, 1, 1, 0, 1];
            float[] value = [1, 1, 1, 1, 1, 128f / 255, 1];
            Assert.Equal(hue, h.data<float>().ToArray(), (a, b) => Math.Abs(a - b) < 1e-5);
            Assert.Equal(saturation, s.data<float>().ToArray(), (a, b) => Math.Abs(a - b) < 1e-5);
            Assert.Equal(value, v.data<float>().ToArray(), (a, b) => Math.Abs(a - b) < 1e-5);
        }
    }

    [Fact]
    public void Rotating_the_hue_by_a_third_turns_red_green_and_green_blue()
    {
        using var rgb = Pixels((255, 0, 0), (0, 255, 0), (100, 100, 100));
        using var turns = torch.tensor(new[] { 1f / 3 });
        using var shifted = Hsv.ShiftHue(rgb, turns);
        float[] expected = [0, 0, 100, 255, 0, 100, 0, 255, 100]; // channel planes: R, G, B
        Assert.Equal(expected, shifted.data<float>().ToArray(), (a, b) => Math.Abs(a - b) < 1e-3);
    }

    [Fact]
    public void A_zero_rotation_round_trips_any_colour()
    {
        using var images = RandomImages(4, 8);
        using var turns = torch.zeros(4);
        using var back = Hsv.ShiftHue(images, turns);
        Assert.True(MaxAbsDiff(images, back) < 1e-2);
    }

    [Fact]
    public void A_full_turn_changes_nothing_and_half_turns_invert_the_hue()
    {
        using var images = RandomImages(2, 8);
        using var full = Hsv.ShiftHue(images, torch.tensor(new[] { 1f, -1f }));
        using var half = Hsv.ShiftHue(images, torch.tensor(new[] { 0.5f, -0.5f }));
        using var twice = Hsv.ShiftHue(half, torch.tensor(new[] { 0.5f, 0.5f }));
        Assert.True(MaxAbsDiff(images, full) < 1e-2);
        Assert.True(MaxAbsDiff(images, half) > 10);
        Assert.True(MaxAbsDiff(images, twice) < 1e-2);
    }
}
