using ColorVariants.Cli.Evaluation;

namespace ColorVariants.Cli.Tests.Evaluation;

/// <summary>The CLI's results table (docs/RESULTS.md is made with it): figures, input and training time read right.</summary>
public sealed class ResultsTableTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("results-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void One_row_per_eval_file_with_the_run_s_training_from_its_training_json()
    {
        var run = Directory.CreateDirectory(Path.Combine(_folder, "cvssl")).FullName;
        File.WriteAllText(Path.Combine(run, "training.json"), """
            { "images": 5409, "options": { "split": "train" },
              "epochs": [ { "epoch": 1, "seconds": 600.0 }, { "epoch": 2, "seconds": 630.0 } ] }
            """);
        var model = Path.Combine(run, "cvssl.onnx").Replace("\\", "\\\\", StringComparison.Ordinal);
        var cvssl = Write("cvssl.json", $$"""
            { "name": "cvssl", "model": "{{model}}", "baseline": null, "inputSize": 128, "colourMode": "gray", "items": 1726,
              "whitening": "catalog (1726 vectors, rank 512)", "catalog": "/c", "catalogFingerprint": "ab", "split": "validation",
              "open": { "queries": 1105, "recallAt1": 0.38549, "recallAt5": 0.5, "recallAt10": 0.6, "mapAtR": 0.2594 },
              "sameCategory": { "queries": 1089, "recallAt1": 0.4, "recallAt5": 0.5, "recallAt10": 0.6, "mapAtR": 0.35 },
              "shadeBias": { "queries": 1000, "sameShade": 0.4514, "chance": 0.2 }, "seconds": 60 }
            """);
        var histogram = Write("colour-hist.json", """
            { "name": "colour-hist", "model": null, "baseline": "colour-hist", "inputSize": 224, "colourMode": "rgb", "items": 1726,
              "catalog": "/c", "catalogFingerprint": "ab", "split": "validation",
              "open": { "queries": 1105, "recallAt1": 0.021, "recallAt5": 0.044, "recallAt10": 0.07, "mapAtR": 0.008 },
              "sameCategory": { "queries": 1089, "recallAt1": 0.096, "recallAt5": 0.246, "recallAt10": 0.365, "mapAtR": 0.071 }, "seconds": 5 }
            """);

        var lines = ResultsTableCommand.Markdown([histogram, cvssl]).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(4, lines.Length);
        Assert.Equal("| colour-hist | 224 px rgb | no training | – | – | – | 1726 | 0.021 | 0.044 | 0.070 | 0.008 | 0.096 | 0.246 | 0.365 | 0.071 | – |", lines[2]);
        Assert.Equal("| cvssl | 128 px gray | 5409 train images | 2 | 21 min | catalog | 1726 | 0.385 | 0.500 | 0.600 | 0.259 | 0.400 | 0.500 | 0.600 | 0.350 | 0.451 (0.200) |", lines[3]);
    }

    private string Write(string name, string json)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, json);
        return path;
    }
}
