using ColorVariants.Core.Images;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace ColorVariants.Core.Tests.Images;

public class RecolouringTests
{
    private static readonly Rgb24 Backdrop = new(250, 250, 250);

    /// <summary>A 40 x 40 packshot: the backdrop, a grey garment in the middle, a darker print on it, and pure black seams.</summary>
    private static Image<Rgb24> Packshot()
    {
        var image = new Image<Rgb24>(40, 40, Backdrop);
        for (var y = 10; y < 30; y++)
            for (var x = 10; x < 30; x++)
                image[x, y] = x < 15 ? new Rgb24(0, 0, 0) : y < 20 ? new Rgb24(90, 60, 40) : new Rgb24(150, 140, 130);
        return image;
    }

    [Fact]
    public void The_backdrop_stays_and_the_garment_changes()
    {
        using var image = Packshot();
        Recolouring.Apply(image, seed: 3);
        Assert.Equal(Backdrop, image[2, 2]);
        Assert.Equal(Backdrop, image[35, 20]);
        Assert.NotEqual(new Rgb24(150, 140, 130), image[20, 25]);
    }

    [Fact]
    public void A_dye_scales_light_so_black_stays_black_and_one_tone_stays_one_tone()
    {
        using var image = Packshot();
        Recolouring.Apply(image, seed: 5);
        Assert.Equal(new Rgb24(0, 0, 0), image[12, 12]);
        // Every pixel of one tone gets the same new tone: seams, print and folds stay where they were.
        Assert.Equal(image[20, 25], image[28, 29]);
        Assert.Equal(image[20, 12], image[28, 18]);
    }

    [Fact]
    public void The_same_seed_gives_the_same_dye_and_another_seed_another()
    {
        using var a = Packshot();
        using var b = Packshot();
        using var c = Packshot();
        Recolouring.Apply(a, Recolouring.SeedOf("0685816001"));
        Recolouring.Apply(b, Recolouring.SeedOf("0685816001"));
        Recolouring.Apply(c, Recolouring.SeedOf("0685816002"));
        Assert.Equal(a[20, 25], b[20, 25]);
        Assert.NotEqual(a[20, 25], c[20, 25]);
        Assert.Equal(-1869799105, Recolouring.SeedOf("0685816001")); // fixed across processes and machines
    }
}
