using ColorVariants.Core.Parts;
using ColorVariants.Training.Augment;
using TorchSharp;
using static ColorVariants.Training.Tests.TensorHelpers;

namespace ColorVariants.Training.Tests.Augment;

public class PartCropsTests
{
    /// <summary>[2,3,S,S] where each pixel holds row * 100 + column.</summary>
    private static torch.Tensor Coordinates(int size)
    {
        using var rows = torch.arange(size, torch.ScalarType.Float32).view(size, 1) * 100;
        using var columns = torch.arange(size, torch.ScalarType.Float32).view(1, size);
        using var plane = rows + columns;
        return plane.expand(2, 3, size, size).contiguous();
    }

    [Theory]
    [InlineData(8, 4, 4)]
    [InlineData(7, 4, 3)] // ToPixels rounds 3.5 away from zero: the top half takes the middle row
    public void Default_parts_are_the_whole_and_the_top_and_bottom_halves(int size, int topRows, int bottomRows)
    {
        using var images = Coordinates(size);
        var parts = PartCrops.CropAll(images, PartCrop.Default);
        try
        {
            Assert.Equal(new long[] { 2, 3, size, size }, parts[0].shape);
            Assert.Equal(new long[] { 2, 3, topRows, size }, parts[1].shape);
            Assert.Equal(new long[] { 2, 3, bottomRows, size }, parts[2].shape);
            Assert.True(AreEqual(images, parts[0]));
            Assert.Equal(0f, parts[1][1, 2, 0, 0].item<float>());
            Assert.Equal((topRows - 1) * 100f + size - 1, parts[1][1, 2, topRows - 1, size - 1].item<float>());
            Assert.Equal(topRows * 100f + 3, parts[2][0, 1, 0, 3].item<float>());
            Assert.Equal((size - 1) * 100f, parts[2][0, 0, bottomRows - 1, 0].item<float>());
        }
        finally
        {
            foreach (var part in parts) part.Dispose();
        }
    }

    [Fact]
    public void A_part_with_columns_crops_them_too()
    {
        using var images = Coordinates(8);
        using var centre = PartCrops.Crop(images, new PartCrop("centre", 0.25, 0.75, 0.25, 0.75));
        Assert.Equal(new long[] { 2, 3, 4, 4 }, centre.shape);
        Assert.Equal(202f, centre[0, 0, 0, 0].item<float>());
        Assert.Equal(505f, centre[0, 0, 3, 3].item<float>());
    }
}
