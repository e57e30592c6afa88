// ColorVariants micro-benchmarks (BenchmarkDotNet). Run them by hand, on a quiet machine:
//
//     dotnet run -c Release --project tests/ColorVariants.Benchmarks -- --filter '*'
//
// or a part of them: --filter '*Intake*' | '*Embed*' | '*Vector*'. BenchmarkDotNet's own
// options follow the --, e.g. --job short for a quicker, rougher run. Results: the console and
// BenchmarkDotNet.Artifacts/results/ (markdown, CSV, HTML) in the current folder.
//
//   IntakeBenchmarks  decode + letterbox + tensor of one real catalog image at 224 pixels
//   EmbedBenchmarks   EmbeddingModel.Embed of the default model and of its structure descriptor alone, CPU, batch 1 and 16
//   VectorBenchmarks  VectorMath.Dot / Normalize and RetrievalEvaluator on random vectors
//   WhiteningBenchmarks  a catalog whitening's fit at the dev set's size, its covariance and its eigendecomposition
//
// Intake and Embed read the dev dataset from ../shared/datasets/hm-colour-variants-dev beside
// the repository (or $COLORVARIANTS_DATASET); without it they are left out, and this says so.
// Every benchmark reports allocations (MemoryDiagnoser).
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Running;
using ColorVariants.Benchmarks;

Type[] benchmarks = [typeof(IntakeBenchmarks), typeof(EmbedBenchmarks), typeof(VectorBenchmarks), typeof(WhiteningBenchmarks)];
if (!BenchmarkData.DatasetPresent)
{
    Console.Error.WriteLine(
        $"The dev dataset is not at {BenchmarkData.DatasetPath} (set {BenchmarkData.DatasetVariable} to its folder). " +
        "Leaving out IntakeBenchmarks and EmbedBenchmarks, which need its images.");
    benchmarks = [typeof(VectorBenchmarks), typeof(WhiteningBenchmarks)];
}

var config = DefaultConfig.Instance.AddDiagnoser(MemoryDiagnoser.Default);
BenchmarkSwitcher.FromTypes(benchmarks).Run(args, config);
