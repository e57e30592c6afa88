using ColorVariants.Core.Catalog;
using ColorVariants.Core.Images;
using ColorVariants.Training.Augment;
using ColorVariants.Training.Data;
using ColorVariants.Training.Tests.Data;
using SixLabors.ImageSharp.PixelFormats;
using TorchSharp;

namespace ColorVariants.Training.Tests.Augment;

public class ModelInputTests
{
    private const int Size = 20;

    public static TheoryData<string> Specs => ["cntk-gray", "cntk-rgb", "imagenet-rgb", "imagenet-gray"];

    private static PreprocessingSpec Spec(string name) => name switch
    {
        "cntk-gray" => PreprocessingSpec.CntkResNet(Size, ColourMode.Gray),
        "cntk-rgb" => PreprocessingSpec.CntkResNet(Size, ColourMode.Rgb),
        "imagenet-rgb" => new(Size, ChannelOrder.Rgb, [123.675f, 116.28f, 103.53f], [58.395f, 57.12f, 57.375f], ColourMode.Rgb),
        "imagenet-gray" => new(Size, ChannelOrder.Rgb, [123.675f, 116.28f, 103.53f], [58.395f, 57.12f, 57.375f], ColourMode.Gray),
        _ => throw new ArgumentException(name),
    };

    /// <summary>Core's serving input for a square picture.</summary>
    private static float[] Served(SixLabors.ImageSharp.Image<Rgb24> square, PreprocessingSpec spec)
    {
        var expected = new float[spec.TensorLength];
        TensorWriter.Write(square, spec, expected);
        return expected;
    }

    private static torch.Tensor Chw(SixLabors.ImageSharp.Image<Rgb24> square)
    {
        var pixels = new Rgb24[Size * Size];
        square.CopyPixelDataTo(pixels);
        var planes = pixels.Select(p => (float)p.R).Concat(pixels.Select(p => (float)p.G)).Concat(pixels.Select(p => (float)p.B));
        return torch.tensor(planes.ToArray(), [1, 3, Size, Size]);
    }

    [Theory]
    [MemberData(nameof(Specs))]
    public void Equals_core_tensor_writer_on_the_same_picture(string name)
    {
        var spec = Spec(name);
        using var square = TestCatalog.Pattern(Size, Size, seed: 17);
        using var rgb = Chw(square);

        using var input = ModelInput.From(rgb, spec);

        var expected = Served(square, spec);
        var actual = input.data<float>().ToArray();
        Assert.Equal(expected.Length, actual.Length);
        Assert.True(expected.Zip(actual).Max(p => Math.Abs(p.First - p.Second)) < 1e-4);
    }

    [Fact]
    public void The_cached_training_batch_and_the_served_file_give_the_same_input()
    {
        using var catalog = new TestCatalog();
        var folder = CatalogFolder.Read(catalog.Root);
        using var cache = ImageTensorCache.Open(folder, new ImageCacheOptions { Size = Size, Directory = catalog.CacheDirectory });
        var spec = PreprocessingSpec.CntkResNet(Size, ColourMode.Gray);

        for (var i = 0; i < cache.Count; i++)
        {
            using var batch = cache.Batch([i]);
            using var input = ModelInput.From(batch, spec);
            var entry = folder.Entries.Single(e => e.Sku == cache.Items[i].Sku);
            using var square = ImageIntake.DecodeSquare(File.ReadAllBytes(entry.ImagePath), Size, new IntakeLimits());
            var expected = Served(square, spec);
            Assert.True(expected.Zip(input.data<float>().ToArray()).Max(p => Math.Abs(p.First - p.Second)) < 1e-4);
        }
    }

    [Fact]
    public void Gray_mode_really_drops_colour()
    {
        using var red = torch.zeros(1, 3, 4, 4);
        red[0, 0].fill_(200f);
        using var green = torch.zeros(1, 3, 4, 4);
        green[0, 1].fill_(102f); // 0.587 * 102 = 59.874 ≈ 0.299 * 200 = 59.8: almost the same luma
        var spec = PreprocessingSpec.CntkResNet(4, ColourMode.Gray);
        using var a = ModelInput.From(red, spec);
        using var b = ModelInput.From(green, spec);
        Assert.True(TensorHelpers.MaxAbsDiff(a, b) < 0.1);
        using var c = ModelInput.From(red, PreprocessingSpec.CntkResNet(4, ColourMode.Rgb));
        using var d = ModelInput.From(green, PreprocessingSpec.CntkResNet(4, ColourMode.Rgb));
        Assert.True(TensorHelpers.MaxAbsDiff(c, d) > 100);
    }
}
