using TorchSharp;
using static TorchSharp.torch;

namespace ColorVariants.Training.Tests;

internal static class TensorHelpers
{
    /// <summary>A reproducible float32 [B,3,S,S] batch on 0-255.</summary>
    public static Tensor RandomImages(int batch, int size, ulong seed = 42)
    {
        using var generator = new Generator(seed);
        using var unit = torch.rand([batch, 3, size, size], generator: generator);
        return unit * 255.0;
    }

    /// <summary>2-D unit vectors at the given angles (degrees), one row each: [n,2].</summary>
    public static Tensor Unit(params double[] degrees) =>
        torch.tensor(degrees.SelectMany(d => new[] { (float)Math.Cos(d * Math.PI / 180), (float)Math.Sin(d * Math.PI / 180) }).ToArray(),
            [degrees.Length, 2]);

    public static double MaxAbsDiff(Tensor a, Tensor b)
    {
        using var diff = (a - b).abs().max();
        return diff.item<float>();
    }

    public static float Scalar(Tensor t) => t.item<float>();

    /// <summary>Same shape and exactly the same values (TorchSharp's torch.equal is element-wise, unlike PyTorch's).</summary>
    public static bool AreEqual(Tensor a, Tensor b)
    {
        if (!a.shape.SequenceEqual(b.shape)) return false;
        using var same = a.eq(b);
        using var all = same.all();
        return all.item<bool>();
    }
}
