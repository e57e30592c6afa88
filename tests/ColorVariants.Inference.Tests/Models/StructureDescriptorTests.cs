using ColorVariants.Core.Embedding;
using ColorVariants.Core.Images;
using ColorVariants.Core.Models;
using ColorVariants.Inference.Embedding;
using ColorVariants.Inference.Models;

namespace ColorVariants.Inference.Tests.Models;

/// <summary>
/// The structure descriptor written into an ONNX graph against the same steps done by hand in C#;
/// and what it is for: shade does not change it, orientation does.
/// </summary>
public class StructureDescriptorTests
{
    private const int Size = 128;
    private static readonly StructureOptions Options = new(8, 9, 0.4f);

    /// <summary>A picture with edges at many angles: a disc, a diagonal band and a vertical seam, as a gray tensor.</summary>
    internal static float[] Picture(int size, Func<float, float>? tone = null)
    {
        var tensor = new float[3 * size * size];
        for (var y = 0; y < size; y++)
            for (var x = 0; x < size; x++)
            {
                float luma = 230; // background
                var (dx, dy) = (x - size * 0.5f, y - size * 0.4f);
                if (dx * dx + dy * dy < size * size / 10f) luma = 60;
                if (Math.Abs(x - y + size / 5) < size / 16) luma = 140;
                if (x > size * 3 / 4 && y > size / 2) luma = 100 + 40 * MathF.Sin(y * 0.4f);
                luma = tone?.Invoke(luma) ?? luma;
                for (var c = 0; c < 3; c++) tensor[(c * size + y) * size + x] = luma - 110; // any channel offset
            }
        return tensor;
    }

    /// <summary>What <see cref="StructureDescriptor.Append"/> says it computes, step by step.</summary>
    internal static float[] ByHand(float[] tensor, int size, StructureOptions options)
    {
        var half = size / 2;
        var small = new float[half * half];
        for (var y = 0; y < half; y++)
            for (var x = 0; x < half; x++)
            {
                float sum = 0;
                for (var c = 0; c < 3; c++)
                    for (var v = 0; v < 2; v++)
                        for (var u = 0; u < 2; u++) sum += tensor[(c * size + 2 * y + v) * size + 2 * x + u];
                small[y * half + x] = sum / 12;
            }
        float At(int y, int x) => small[Math.Clamp(y, 0, half - 1) * half + Math.Clamp(x, 0, half - 1)];

        var bins = options.Bins;
        var c0 = Math.Cos(2 * Math.PI / bins);
        var cell = half / options.Cells;
        var margin = (half - cell * options.Cells) / 2;
        var cells = new double[bins, options.Cells, options.Cells];
        for (var y = margin; y < margin + cell * options.Cells; y++)
            for (var x = margin; x < margin + cell * options.Cells; x++)
            {
                double gx = At(y, x + 1) - At(y, x - 1), gy = At(y + 1, x) - At(y - 1, x);
                var m = Math.Sqrt(gx * gx + gy * gy);
                if (m == 0) continue;
                var theta = Math.Atan2(gy, gx);
                for (var k = 0; k < bins; k++)
                {
                    var lobe = Math.Cos(2 * (theta - Math.PI * k / bins)) - c0;
                    if (lobe > 0) cells[k, (y - margin) / cell, (x - margin) / cell] += m * m * lobe / ((m + 1e-3) * (1 - c0)) / (cell * cell);
                }
            }
        var n = options.Cells;
        var energy = new double[n, n];
        for (var i = 0; i < n; i++)
            for (var j = 0; j < n; j++)
                for (var k = 0; k < bins; k++) energy[i, j] += cells[k, i, j] * cells[k, i, j];
        var result = new float[bins * n * n];
        for (var i = 0; i < n; i++)
            for (var j = 0; j < n; j++)
            {
                double sum = 0;
                var count = 0;
                for (var a = Math.Max(0, i - 1); a <= Math.Min(n - 1, i + 1); a++)
                    for (var b = Math.Max(0, j - 1); b <= Math.Min(n - 1, j + 1); b++, count++) sum += energy[a, b];
                var norm = Math.Sqrt(sum / count + 1);
                for (var k = 0; k < bins; k++) result[(k * n + i) * n + j] = (float)(cells[k, i, j] / norm);
            }
        VectorMath.Normalize(result);
        return result;
    }

    private static float[] FromGraph(float[] tensor, int size, StructureOptions options)
    {
        var path = Path.Combine(Path.GetTempPath(), $"cv-structure-{Guid.NewGuid():N}.onnx");
        try
        {
            DefaultModel.EnsureStructureOnly(path, size, options);
            using var model = EmbeddingModel.Load(path, EmbeddingDevice.Cpu);
            Assert.Equal(options.Dimensions, model.Dimensions);
            var output = new float[model.Dimensions];
            model.Embed(tensor, 1, output);
            return output;
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static IEnumerable<double> Rounded(IEnumerable<float> values) => values.Select(v => Math.Round(v, 4));

    [Theory]
    [InlineData(128, 8)]  // 64 px halved, 8-px cells
    [InlineData(224, 10)] // 112 px halved: 11-px cells, a 1-px margin left out
    public void The_graph_computes_what_the_descriptor_says(int size, int cells)
    {
        var options = Options with { Cells = cells };
        var picture = Picture(size);
        Assert.Equal(Rounded(ByHand(picture, size, options)), Rounded(FromGraph(picture, size, options)));
    }

    [Fact]
    public void A_negative_of_the_picture_gives_the_same_descriptor()
    {
        // Unsigned orientations and contrast normalisation: a dark and a light version of one design alike.
        var negative = FromGraph(Picture(Size, luma => 255 - luma), Size, Options);
        Assert.Equal(Rounded(FromGraph(Picture(Size), Size, Options)), Rounded(negative));
    }

    [Fact]
    public void Lower_contrast_changes_little_where_the_network_would_see_another_shade()
    {
        var dim = FromGraph(Picture(Size, luma => 40 + luma * 0.3f), Size, Options);
        var cosine = VectorMath.Dot(FromGraph(Picture(Size), Size, Options), dim);
        Assert.True(cosine > 0.95, $"cosine {cosine}");
    }

    [Fact]
    public void Stripes_of_another_orientation_give_another_descriptor()
    {
        static float[] Stripes(bool vertical)
        {
            var tensor = new float[3 * Size * Size];
            for (var c = 0; c < 3; c++)
                for (var y = 0; y < Size; y++)
                    for (var x = 0; x < Size; x++) tensor[(c * Size + y) * Size + x] = ((vertical ? x : y) / 6 % 2) * 100f;
            return tensor;
        }
        var cosine = VectorMath.Dot(FromGraph(Stripes(true), Size, Options), FromGraph(Stripes(false), Size, Options));
        Assert.True(cosine < 0.2, $"cosine {cosine}");
    }

    [Fact]
    public void A_blank_picture_gives_zeros_not_NaN()
    {
        var blank = FromGraph(new float[3 * Size * Size], Size, Options);
        Assert.All(blank, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void The_fused_default_says_its_blocks()
    {
        var path = Path.Combine(Path.GetTempPath(), $"cv-fused-{Guid.NewGuid():N}.onnx");
        try
        {
            var descriptor = DescriptorOptions.Default with { Structure = Options };
            DefaultModel.EnsurePrepared(path, ColourMode.Gray, Size, descriptor);
            using var model = EmbeddingModel.Load(path, EmbeddingDevice.Cpu);
            var blocks = DescriptorBlocks.FromMetadata(model.Metadata, model.Dimensions);
            Assert.Equal([("layer3", 768, 0.3f), ("layer4", 1536, 0.3f), ("structure", 576, 0.4f)], blocks.Select(b => (b.Name, b.Length, MathF.Round(b.Weight, 4))));
            Assert.Equal("layer3=768:0.3,layer4=1536:0.3,structure=576:0.4", model.Metadata[ModelMetadataKeys.Blocks]);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("hog:10x9")]
    [InlineData("hog:0x9:0.4")]
    [InlineData("hog:10x9:1")]
    [InlineData("edges:10x9:0.4")]
    public void Bad_text_is_refused(string text) => Assert.Throws<FormatException>(() => StructureOptions.Parse(text));

    [Fact]
    public void The_written_form_reads_back() =>
        Assert.Equal(StructureOptions.Default, StructureOptions.Parse(StructureOptions.Default.ToString()));
}
