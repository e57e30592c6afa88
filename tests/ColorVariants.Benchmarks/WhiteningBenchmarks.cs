using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using ColorVariants.Core.Embedding;
using ColorVariants.Inference.Models;
using MathNet.Numerics.LinearAlgebra;

namespace ColorVariants.Benchmarks;

/// <summary>
/// Where a catalog whitening's fit goes (issue 22, part 1), on seeded random non-negative vectors
/// of the served default's layout (layer 3 768 + layer 4 1,536 + structure 900): the whole fit at the
/// dev set's size, the same with the network whitened as one block (the layout before 2026-12-03),
/// and that block's two heavy steps, the covariance (Xt X of 7,135 x 2,304) and its symmetric
/// eigendecomposition (2,304 x 2,304), as CatalogWhitening computes them (MathNet, managed).
/// Seconds each, so one launch and three iterations.
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 3)]
public class WhiteningBenchmarks
{
    private const int Products = 7135;
    private static readonly IReadOnlyList<DescriptorBlock> Blocks = DescriptorOptions.Default.Blocks;
    private static readonly DescriptorBlock[] OneNetworkBlock = [new("cnn", 2304, 0.6f), new("structure", 900, 0.4f)];
    private List<float[]> _vectors = [];
    private Matrix<double> _network = Matrix<double>.Build.Dense(1, 1);
    private Matrix<double> _covariance = Matrix<double>.Build.Dense(1, 1);

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(7);
        // Sparse, non-negative and unevenly scaled, as pooled ReLU features are.
        _vectors = Enumerable.Range(0, Products).Select(_ =>
            Enumerable.Range(0, 3204).Select(j => (float)(Math.Max(random.NextDouble() - 0.4, 0) * (1 + j % 7))).ToArray()).ToList();
        _network = Matrix<double>.Build.Dense(Products, 2304, (i, j) => _vectors[i][j]);
        _covariance = _network.TransposeThisAndMultiply(_network) / Products;
    }

    [Benchmark(Description = "CatalogWhitening.Fit, 7,135 x (768 + 1,536 + 900), the served layout")]
    public int Fit() => CatalogWhitening.Fit(_vectors, WhiteningOptions.Default with { Blocks = Blocks }).Rank;

    [Benchmark(Description = "CatalogWhitening.Fit, 7,135 x (2,304 + 900), one network block")]
    public int FitOneNetworkBlock() => CatalogWhitening.Fit(_vectors, WhiteningOptions.Default with { Blocks = OneNetworkBlock }).Rank;

    [Benchmark(Description = "covariance Xt X, 7,135 x 2,304 (MathNet)")]
    public double Covariance() => _network.TransposeThisAndMultiply(_network)[0, 0];

    [Benchmark(Description = "symmetric EVD, 2,304 x 2,304 (MathNet)")]
    public double Eigen() => _covariance.Evd(Symmetricity.Symmetric).EigenValues[0].Real;
}
