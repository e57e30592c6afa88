using ColorVariants.Core.Images;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace ColorVariants.Core.Tests.Images;

public class LumaEqualisationTests
{
    private static readonly PreprocessingSpec Equalised = new(8, ChannelOrder.Rgb, [0f, 0f, 0f], [1f, 1f, 1f], ColourMode.GrayEqualised);

    /// <summary>An 8x8 light-grey packshot with a 4x4 garment of three stripes in the given tones.</summary>
    private static Image<Rgb24> Packshot(byte dark, byte mid, byte light)
    {
        var image = new Image<Rgb24>(8, 8, new Rgb24(230, 230, 230));
        for (var y = 2; y < 6; y++)
        for (var x = 2; x < 6; x++)
        {
            var tone = x < 3 ? dark : x < 5 ? mid : light;
            image[x, y] = new Rgb24(tone, tone, tone);
        }
        return image;
    }

    private static float[] Tensor(Image<Rgb24> square)
    {
        var tensor = new float[Equalised.TensorLength];
        TensorWriter.Write(square, Equalised, tensor);
        return tensor;
    }

    [Fact]
    public void A_dark_and_a_light_version_of_one_design_give_the_same_input()
    {
        using var black = Packshot(20, 40, 60);
        using var beige = Packshot(120, 160, 200);
        Assert.Equal(Tensor(black), Tensor(beige));
    }

    [Fact]
    public void The_garments_tones_spread_from_black_to_white_and_the_background_is_white()
    {
        using var navy = Packshot(20, 40, 60);
        var tensor = Tensor(navy);
        // 16 garment pixels: 4 dark, 8 mid, 4 light. The lowest level maps to 0, the others to
        // 255 x (pixels at or below them - 4) / (16 - 4).
        Assert.Equal(0f, tensor[2 * 8 + 2]);
        Assert.Equal(255f * 8 / 12, tensor[2 * 8 + 3]);
        Assert.Equal(255f, tensor[2 * 8 + 5]);
        Assert.Equal(255f, tensor[0]); // background, lighter than the whole garment
    }

    [Fact]
    public void Stretching_maps_the_garments_1st_and_99th_percentiles_to_black_and_white()
    {
        using var navy = Packshot(20, 40, 60);
        var spec = Equalised with { ColourMode = ColourMode.GrayStretched };
        var tensor = new float[spec.TensorLength];
        TensorWriter.Write(navy, spec, tensor);
        // 16 garment pixels: the 1st percentile is level 20, the 99th level 60; 40 lies halfway.
        Assert.Equal(0f, tensor[2 * 8 + 2]);
        Assert.Equal(255f * 20 / 40, tensor[2 * 8 + 3]);
        Assert.Equal(255f, tensor[2 * 8 + 5]);
        Assert.Equal(255f, tensor[0]); // clamped
    }

    [Fact]
    public void A_picture_that_is_all_background_keeps_its_tones()
    {
        using var blank = new Image<Rgb24>(8, 8, new Rgb24(90, 90, 90));
        Assert.All(Tensor(blank), v => Assert.Equal(90f, v));
    }

    [Fact]
    public void The_colour_mode_travels_in_the_model_metadata()
    {
        var metadata = PreprocessingSpec.CntkResNet(320, ColourMode.GrayEqualised).ToMetadata().ToDictionary();
        Assert.Equal("gray-equalised", metadata[PreprocessingSpec.ColourModeKey]);
        Assert.Equal(ColourMode.GrayEqualised, PreprocessingSpec.FromMetadata(metadata).ColourMode);
    }
}
