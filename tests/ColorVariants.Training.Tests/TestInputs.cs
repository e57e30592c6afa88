using ColorVariants.Core.Images;
using SixLabors.ImageSharp.PixelFormats;
using TorchSharp;
using static TorchSharp.torch;

namespace ColorVariants.Training.Tests;

/// <summary>Deterministic inputs and comparisons shared by the parity tests.</summary>
internal static class TestInputs
{
    /// <summary>A synthetic product-like picture (gradients, a disc, stripes) preprocessed by Core's TensorWriter.</summary>
    public static float[] Picture(PreprocessingSpec spec)
    {
        var size = spec.InputSize;
        var pixels = new Rgb24[size * size];
        for (var y = 0; y < size; y++)
        {
            for (var x = 0; x < size; x++)
            {
                var dx = x - size * 0.45;
                var dy = y - size * 0.55;
                var inDisc = dx * dx + dy * dy < size * size / 9.0;
                pixels[y * size + x] = inDisc
                    ? new Rgb24(200, (byte)(40 + (x * 3 % 60)), 30)
                    : new Rgb24((byte)(255 * x / size), (byte)(255 * y / size), (byte)(((x / 8) + (y / 8)) % 2 == 0 ? 230 : 20));
            }
        }
        var tensor = new float[spec.TensorLength];
        TensorWriter.Write(pixels, spec, tensor);
        return tensor;
    }

    /// <summary>Seeded values over the range of 0-255 pixels minus CNTK's means.</summary>
    public static Tensor Random(long seed, params long[] shape)
    {
        using var generator = new Generator((ulong)seed, CPU);
        return rand(shape, generator: generator) * 255 - 115;
    }

    public static float[] Values(Tensor tensor)
    {
        using var values = tensor.detach().cpu().contiguous();
        return values.data<float>().ToArray();
    }

    /// <summary>Exactly equal values (TorchSharp's Tensor.equal is elementwise, not torch.equal).</summary>
    public static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.allclose(b, rtol: 0, atol: 0);

    public static float MaxAbsDifference(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        var max = 0f;
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.False(float.IsNaN(actual[i]) || float.IsNaN(expected[i]), $"NaN at {i}.");
            max = Math.Max(max, Math.Abs(expected[i] - actual[i]));
        }
        return max;
    }
}
