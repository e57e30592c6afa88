using BenchmarkDotNet.Attributes;
using ColorVariants.Core.Embedding;
using ColorVariants.Core.Evaluation;

namespace ColorVariants.Benchmarks;

/// <summary>
/// The vector arithmetic behind evaluation, on seeded random 512-d unit vectors (no dataset
/// needed): one cosine similarity, one normalisation, and the exact-search evaluation of a
/// small catalog (1,000 products in styles of 4, 10 categories).
/// </summary>
public class VectorBenchmarks
{
    private const int Dimensions = 512;
    private float[] _a = [], _b = [], _scratch = [];
    private EmbeddedItem[] _items = [];

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        float[] UnitVector()
        {
            var v = new float[Dimensions];
            for (var i = 0; i < v.Length; i++) v[i] = (float)(random.NextDouble() * 2 - 1);
            VectorMath.Normalize(v);
            return v;
        }
        _a = UnitVector();
        _b = UnitVector();
        _scratch = new float[Dimensions];
        _items = Enumerable.Range(0, 1000)
            .Select(i => new EmbeddedItem($"{i:D6}", $"s{i / 4}", $"c{i % 10}", UnitVector()))
            .ToArray();
    }

    [Benchmark(Description = "VectorMath.Dot (512)")]
    public float Dot() => VectorMath.Dot(_a, _b);

    [Benchmark(Description = "VectorMath.Normalize (512)")]
    public float Normalize()
    {
        _a.CopyTo(_scratch, 0);
        VectorMath.Normalize(_scratch);
        return _scratch[0];
    }

    [Benchmark(Description = "RetrievalEvaluator.Evaluate (1,000 items)")]
    public double Evaluate() => RetrievalEvaluator.Evaluate(_items).Open.RecallAt10;
}
