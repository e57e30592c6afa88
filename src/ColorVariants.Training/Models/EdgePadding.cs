namespace ColorVariants.Training.Models;

/// <summary>
/// Zero rows and columns added around a feature map, per side. CNTK pads its stride-2 layers
/// asymmetrically (more at the top and left), which torch's symmetric padding cannot express.
/// </summary>
public readonly record struct EdgePadding(int Top, int Left, int Bottom, int Right)
{
    public static EdgePadding None => default;

    public static EdgePadding Uniform(int size) => new(size, size, size, size);

    public bool IsUniform => Top == Left && Left == Bottom && Bottom == Right;

    /// <summary>ONNX Conv/MaxPool "pads" order: all begins, then all ends.</summary>
    public long[] ToOnnx() => [Top, Left, Bottom, Right];

    /// <summary>torch.nn.functional.pad order: last dimension first.</summary>
    public long[] ToTorch() => [Left, Right, Top, Bottom];

    public static EdgePadding FromOnnx(IReadOnlyList<long> pads) => pads.Count switch
    {
        0 => None,
        4 => new((int)pads[0], (int)pads[1], (int)pads[2], (int)pads[3]),
        _ => throw new ArgumentException($"2-D pads have 4 values, not {pads.Count}.", nameof(pads)),
    };

    /// <summary>Output length of a window of <paramref name="kernel"/> moved by <paramref name="stride"/> over a padded axis.</summary>
    public static long OutputLength(long length, int kernel, int stride, int padBegin, int padEnd) =>
        (length + padBegin + padEnd - kernel) / stride + 1;
}
