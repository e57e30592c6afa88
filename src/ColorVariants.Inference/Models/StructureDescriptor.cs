using System.Globalization;
using ColorVariants.Inference.Onnx;
using ColorVariants.Inference.Onnx.Proto;
using static ColorVariants.Inference.Onnx.OnnxGraphBuilder;

namespace ColorVariants.Inference.Models;

/// <summary>
/// The structure descriptor: histograms of gradient orientations of the picture's luma (Dalal and
/// Triggs 2005), on a grid of cells over the letterboxed square. Colour variants share seams,
/// pockets, collars and prints, and differ in shade; gradient orientations keep the first and
/// each cell's contrast normalisation drops the second (a black and a white version of one design
/// give about the same histograms).
/// </summary>
/// <param name="Cells">Cells per side of the square (the picture is first halved, so 320 px gives 160 px and
/// 16-px cells at 10; where they do not divide the side, a centred grid of whole cells).</param>
/// <param name="Bins">Unsigned orientations (0-180 degrees), each a soft bin of two bins' width.</param>
/// <param name="Weight">Its share of the fused cosine; the network's descriptor has the rest.</param>
public sealed record StructureOptions(int Cells, int Bins, float Weight)
{
    /// <summary>What the served default fuses (docs/RESULTS.md, "The structure descriptor").</summary>
    public static StructureOptions Default { get; } = new(10, 9, 0.4f);

    public int Dimensions => Cells * Cells * Bins;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"hog:{Cells}x{Bins}:{Weight}");

    /// <summary>Reads "hog:cells x bins:weight", e.g. "hog:10x9:0.4".</summary>
    public static StructureOptions Parse(string text)
    {
        if (text.Split(':') is ["hog", var grid, var weightText] && grid.Split('x') is [var cellsText, var binsText]
            && int.TryParse(cellsText, NumberStyles.None, CultureInfo.InvariantCulture, out var cells) && cells is >= 1 and <= 64
            && int.TryParse(binsText, NumberStyles.None, CultureInfo.InvariantCulture, out var bins) && bins is >= 2 and <= 36
            && float.TryParse(weightText, NumberStyles.Float, CultureInfo.InvariantCulture, out var weight) && weight is > 0 and < 1)
            return new StructureOptions(cells, bins, weight);
        throw new FormatException($"structure is hog:<cells>x<bins>:<weight> (cells 1-64, bins 2-36, weight between 0 and 1), not '{text}'.");
    }
}

/// <summary>Writes the structure descriptor into an ONNX graph (opset 8, the default model's), from its input tensor.</summary>
public static class StructureDescriptor
{
    /// <summary>Below this energy a cell is flat background: about one grey level of gradient.</summary>
    private const float CellEnergyFloor = 1f;

    /// <summary>
    /// Appends the descriptor of <paramref name="input"/> ([batch, 3, side, side], any channel offsets):
    /// channel mean → 2x2 average (halves the side) → central differences (edges repeated) → per pixel,
    /// the gradient magnitude shared between the two nearest orientation bins → average per cell →
    /// each cell divided by the root mean energy of its 3x3 cells (and a floor) → flattened, L2-normalised.
    /// </summary>
    /// <returns>The name of the [batch, <see cref="StructureOptions.Dimensions"/>] output.</returns>
    public static string Append(OnnxGraphBuilder b, string input, int side, StructureOptions options)
    {
        var half = side / 2;
        var cell = half / options.Cells;
        if (side % 2 != 0 || cell < 2)
            throw new ArgumentException($"A {side} px input halves to {half} px: too small for {options.Cells} cells per side.", nameof(options));
        // Where the cells do not divide the side, the grid is centred and the margin left out.
        var margin = (half - cell * options.Cells) / 2;

        var luma = b.Node("ReduceMean", "hog_luma", [input], Ints("axes", 1), Int("keepdims", 1));
        var small = b.Node("AveragePool", "hog_half", [luma], Ints("kernel_shape", 2, 2), Ints("strides", 2, 2));
        var padded = b.Node("Pad", "hog_pad", [small], Ints("pads", 0, 0, 1, 1, 0, 0, 1, 1), String("mode", "edge"));
        // Channel 0: d/dx, channel 1: d/dy.
        float[] differences = [0, 0, 0, -1, 0, 1, 0, 0, 0, /**/ 0, -1, 0, 0, 0, 0, 0, 1, 0];
        var gradient = b.Node("Conv", "hog_gradient", [padded, b.Initializer("hog_difference_kernels", differences, 2, 1, 3, 3)], Ints("kernel_shape", 3, 3));
        var squares = b.Node("Mul", "hog_squares", [gradient, gradient]); // gx², gy²
        var gx = b.Node("Slice", "hog_gx", [gradient], Ints("axes", 1), Ints("starts", 0), Ints("ends", 1));
        var gy = b.Node("Slice", "hog_gy", [gradient], Ints("axes", 1), Ints("starts", 1), Ints("ends", 2));
        var products = b.Node("Concat", "hog_products", [squares, b.Node("Mul", "hog_gxgy", [gx, gy])], Int("axis", 1));

        // With θ the gradient's angle and φk bin k's, m² cos 2(θ - φk) = cos 2φk (gx² - gy²) + sin 2φk (2 gx gy).
        // A bin takes m (cos 2(θ - φk) - c0) / (1 - c0) where that is positive, c0 = cos of one bin's width
        // in 2θ: each orientation falls into its two nearest bins, most into the nearer.
        var c0 = MathF.Cos(2 * MathF.PI / options.Bins);
        var lobeWeights = new float[options.Bins * 3];
        for (var k = 0; k < options.Bins; k++)
        {
            var angle = 2 * MathF.PI * k / options.Bins; // 2φk
            lobeWeights[3 * k] = MathF.Cos(angle) - c0;
            lobeWeights[3 * k + 1] = -MathF.Cos(angle) - c0;
            lobeWeights[3 * k + 2] = 2 * MathF.Sin(angle);
        }
        var lobes = b.Node("Relu", "hog_lobes", [b.Node("Conv", "hog_lobe_projection", [products, b.Initializer("hog_lobe_weights", lobeWeights, options.Bins, 3, 1, 1)], Ints("kernel_shape", 1, 1))]);
        var magnitude = b.Node("Sqrt", "hog_magnitude", [b.Node("ReduceSum", "hog_squared_magnitude", [squares], Ints("axes", 1), Int("keepdims", 1))]);
        var divisor = b.Node("Mul", "hog_divisor", [b.Node("Add", "hog_magnitude_floor", [magnitude, b.Initializer("hog_epsilon", [1e-3f])]), b.Initializer("hog_lobe_scale", [1 - c0])]);
        var votes = b.Node("Div", "hog_votes", [lobes, divisor]);

        var grid = margin == 0 ? votes : b.Node("Slice", "hog_grid", [votes], Ints("axes", 2, 3), Ints("starts", margin, margin),
            Ints("ends", margin + cell * options.Cells, margin + cell * options.Cells));
        var cells = b.Node("AveragePool", "hog_cells", [grid], Ints("kernel_shape", cell, cell), Ints("strides", cell, cell));
        var energy = b.Node("ReduceSum", "hog_cell_energy", [b.Node("Mul", "hog_cell_squares", [cells, cells])], Ints("axes", 1), Int("keepdims", 1));
        var neighbourhood = b.Node("AveragePool", "hog_neighbourhood_energy", [energy], Ints("kernel_shape", 3, 3), Ints("strides", 1, 1), Ints("pads", 1, 1, 1, 1));
        var norm = b.Node("Sqrt", "hog_neighbourhood_norm", [b.Node("Add", "hog_energy_floor", [neighbourhood, b.Initializer("hog_energy_epsilon", [CellEnergyFloor])])]);
        var normalised = b.Node("Div", "hog_normalised", [cells, norm]);
        var flat = b.Node("Flatten", "hog_flat", [normalised], Int("axis", 1));
        // L2 with a floor, not LpNormalization: a blank picture has no gradient at all, and 0/0 is NaN.
        var length = b.Node("Sqrt", "hog_length", [b.Node("Add", "hog_length_floor", [
            b.Node("ReduceSum", "hog_squared_length", [b.Node("Mul", "hog_flat_squares", [flat, flat])], Ints("axes", 1), Int("keepdims", 1)),
            b.Initializer("hog_length_epsilon", [1e-12f])])]);
        return b.Node("Div", "hog_l2", [flat, length]);
    }
}
