using ColorVariants.Core.Colour;
using ColorVariants.Core.Images;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.PixelFormats;

namespace ColorVariants.Core.Tests.Images;

public class SwatchTests
{
    private static readonly Rgb24 White = new(255, 255, 255);
    private static readonly Rgb24 LightGrey = new(238, 238, 236);

    /// <summary>A shirt-like shape (body and sleeves) of <paramref name="colour"/> on <paramref name="background"/>.</summary>
    private static Image<Rgb24> Shirt(Rgb24 colour, Rgb24 background, int width = 171, int height = 256)
    {
        var image = new Image<Rgb24>(width, height, background);
        for (var y = 0; y < height; y++)
            for (var x = 0; x < width; x++)
            {
                double u = (x - width / 2.0) / width, v = (y - height / 2.0) / height;
                var body = Math.Abs(u) < 0.25 && v > -0.35 && v < 0.4;
                var sleeves = Math.Abs(u) < 0.42 && v > -0.35 && v < -0.1;
                if (body || sleeves) image[x, y] = colour;
            }
        return image;
    }

    [Theory]
    [InlineData(200, 30, 30, "#c81e1e", "red")]
    [InlineData(30, 60, 200, "#1e3cc8", "blue")]
    [InlineData(40, 160, 60, "#28a03c", "green")]
    [InlineData(20, 20, 20, "#141414", "black")]
    [InlineData(28, 36, 78, "#1c244e", "navy")]
    [InlineData(230, 120, 30, "#e6781e", "orange")]
    [InlineData(240, 170, 195, "#f0aac3", "pink")]
    [InlineData(215, 195, 160, "#d7c3a0", "beige")]
    public void A_shirt_on_white_is_its_own_colour(byte r, byte g, byte b, string hex, string name)
    {
        using var image = Shirt(new Rgb24(r, g, b), White);
        Assert.Equal(new Swatch(hex, name), Swatch.Of(image));
    }

    [Fact]
    public void A_white_shirt_on_a_light_grey_backdrop_is_white_not_the_backdrop()
    {
        using var image = Shirt(White, LightGrey);
        Assert.Equal(new Swatch("#ffffff", "white"), Swatch.Of(image));
    }

    [Fact]
    public void A_garment_the_colour_of_its_backdrop_falls_back_to_every_pixel()
    {
        using var image = new Image<Rgb24>(64, 64, LightGrey);
        Assert.Equal(new Swatch("#eeeeec", "white"), Swatch.Of(image));
    }

    [Fact]
    public void The_larger_colour_wins_over_a_print_and_shading_joins_its_colour()
    {
        using var image = Shirt(new Rgb24(200, 30, 30), White);
        // A white print across the chest (a minority), and a shadow a shade darker on the left half of the red.
        for (var y = 90; y < 120; y++)
            for (var x = 60; x < 110; x++) image[x, y] = new Rgb24(250, 250, 250);
        for (var y = 0; y < image.Height; y++)
            for (var x = 0; x < image.Width / 2; x++)
                if (image[x, y] == new Rgb24(200, 30, 30)) image[x, y] = new Rgb24(190, 28, 28);
        var swatch = Swatch.Of(image);
        Assert.Equal("red", swatch.Name);
        Assert.Equal("#c31d1d", swatch.Hex); // the mean of the two shades, weighted by their pixels
    }

    [Fact]
    public void A_jpeg_of_the_shirt_keeps_its_name_and_stays_within_a_just_noticeable_difference()
    {
        using var image = Shirt(new Rgb24(30, 60, 200), White);
        using var stream = new MemoryStream();
        image.Save(stream, new JpegEncoder { Quality = 85 });
        using var decoded = Image.Load<Rgb24>(stream.ToArray());
        var swatch = Swatch.Of(decoded);
        Assert.Equal("blue", swatch.Name);
        Assert.True(swatch.Difference(new Swatch("#1e3cc8", "blue")) < 1, swatch.Hex);
    }

    [Fact]
    public void Large_pictures_are_sampled_on_a_grid_with_the_same_answer()
    {
        using var small = Shirt(new Rgb24(40, 160, 60), White);
        using var large = Shirt(new Rgb24(40, 160, 60), White, 1710, 2560);
        Assert.Equal(Swatch.Of(small), Swatch.Of(large));
    }

    [Fact]
    public void Hex_round_trips_and_bad_hex_is_refused()
    {
        Assert.Equal(new Rgb24(200, 30, 30), Swatch.ParseHex("#c81e1e"));
        Assert.Equal("#c81e1e", Swatch.ToHex(new Rgb24(200, 30, 30)));
        Assert.Throws<FormatException>(() => Swatch.ParseHex("c81e1e"));
        Assert.Throws<FormatException>(() => Swatch.ParseHex("#c81e1g"));
    }

    [Fact]
    public void Names_come_from_the_fixed_palette()
    {
        Assert.Equal("navy", ColourNames.Nearest(Lab.FromRgb(new Rgb24(31, 42, 80))));
        Assert.Equal("light blue", ColourNames.Nearest(Lab.FromRgb(new Rgb24(150, 190, 230))));
        Assert.Equal("khaki", ColourNames.Nearest(Lab.FromRgb(new Rgb24(115, 115, 70))));
        Assert.Equal("grey", ColourNames.Nearest(Lab.FromRgb(new Rgb24(120, 120, 120))));
        Assert.Equal(20, ColourNames.All.Distinct().Count());
    }

    [Theory]
    [InlineData(1, 20_000)]
    [InlineData(20_000, 1)]
    [InlineData(1, 16_385)]
    [InlineData(1, 1)]
    public void A_picture_one_pixel_wide_or_high_has_a_swatch(int width, int height)
    {
        // Fuzzing found these answering 500: no sample fell inside the picture, and the mean divided by zero.
        using var image = new Image<Rgb24>(width, height, new Rgb24(200, 30, 40));
        Assert.Equal("#c81e28", Swatch.Of(image).Hex);
    }
}
