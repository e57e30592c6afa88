using ColorVariants.Core.Images;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace ColorVariants.Core.Tests.Images;

public class LetterboxAndTensorTests
{
    [Fact]
    public void Border_colour_is_the_median_of_the_outer_ring()
    {
        using var image = TestImages.Framed(10, 6, fill: new Rgb24(0, 0, 0), border: new Rgb24(200, 210, 220));
        image[0, 0] = new Rgb24(0, 0, 0); // one odd pixel on the ring does not move the median
        Assert.Equal(new Rgb24(200, 210, 220), Letterbox.BorderColour(image));
    }

    [Fact]
    public void A_tall_picture_is_padded_left_and_right_with_its_border_colour()
    {
        // 40x80 red picture on a grey frame, letterboxed to 40: it becomes 20x40, centred, grey bands of 10 each side.
        var grey = new Rgb24(128, 128, 128);
        using var image = TestImages.Framed(40, 80, fill: new Rgb24(255, 0, 0), border: grey);
        Letterbox.Apply(image, 40);
        Assert.Equal((40, 40), (image.Width, image.Height));
        Assert.Equal(grey, image[2, 20]);   // left band
        Assert.Equal(grey, image[37, 20]);  // right band
        Assert.Equal(new Rgb24(255, 0, 0), image[20, 20]); // the picture, centred
    }

    [Fact]
    public void Tensor_values_match_a_hand_computation_in_bgr_with_mean()
    {
        // A 2x2 square: pixel (0,0) is (R 10, G 20, B 30); the rest (100, 150, 200).
        using var square = new Image<Rgb24>(2, 2, new Rgb24(100, 150, 200));
        square[0, 0] = new Rgb24(10, 20, 30);
        var spec = new PreprocessingSpec(2, ChannelOrder.Bgr, [1f, 2f, 3f], [1f, 2f, 4f], ColourMode.Rgb);
        var tensor = new float[spec.TensorLength];
        TensorWriter.Write(square, spec, tensor);

        // Channel 0 is blue: (30 - 1) / 1 at pixel 0, (200 - 1) / 1 elsewhere.
        Assert.Equal(29f, tensor[0]);
        Assert.Equal(199f, tensor[1]);
        // Channel 1 is green: (20 - 2) / 2 = 9; (150 - 2) / 2 = 74.
        Assert.Equal(9f, tensor[4]);
        Assert.Equal(74f, tensor[5]);
        // Channel 2 is red: (10 - 3) / 4 = 1.75; (100 - 3) / 4 = 24.25.
        Assert.Equal(1.75f, tensor[8]);
        Assert.Equal(24.25f, tensor[11]);
    }

    [Fact]
    public void Gray_mode_feeds_bt601_luma_to_every_channel()
    {
        using var square = new Image<Rgb24>(1, 1, new Rgb24(10, 20, 30));
        var spec = new PreprocessingSpec(1, ChannelOrder.Rgb, [0f, 0f, 0f], [1f, 1f, 1f], ColourMode.Gray);
        var tensor = new float[3];
        TensorWriter.Write(square, spec, tensor);
        var luma = 0.299f * 10 + 0.587f * 20 + 0.114f * 30; // 17.15
        Assert.All(tensor, v => Assert.Equal(luma, v, 4));
    }

    [Fact]
    public void Decode_square_gives_the_model_input_size()
    {
        using var image = TestImages.Framed(171, 256, new Rgb24(50, 60, 70), new Rgb24(240, 240, 240));
        var bytes = TestImages.Png(image);
        using var square = ImageIntake.DecodeSquare(bytes, 224, new IntakeLimits());
        Assert.Equal((224, 224), (square.Width, square.Height));
        Assert.Equal(new Rgb24(240, 240, 240), square[1, 112]);
    }

    [Fact]
    public void Spec_survives_the_metadata_round_trip()
    {
        var spec = PreprocessingSpec.CntkResNet(160, ColourMode.Rgb);
        var back = PreprocessingSpec.FromMetadata(spec.ToMetadata().ToDictionary());
        Assert.Equal(spec.InputSize, back.InputSize);
        Assert.Equal(spec.ChannelOrder, back.ChannelOrder);
        Assert.Equal(spec.Mean, back.Mean);
        Assert.Equal(spec.Std, back.Std);
        Assert.Equal(spec.ColourMode, back.ColourMode);
    }

    [Fact]
    public void A_model_without_preprocessing_metadata_is_refused()
    {
        var error = Assert.Throws<InvalidDataException>(() => PreprocessingSpec.FromMetadata(new Dictionary<string, string>()));
        Assert.Contains(PreprocessingSpec.InputSizeKey, error.Message);
    }
}
