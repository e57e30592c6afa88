using ColorVariants.Core.Catalog;
using ColorVariants.Inference.Models;

namespace ColorVariants.Benchmarks;

/// <summary>
/// Where the benchmarks find their inputs: the dev dataset in ../shared beside the repository
/// (or COLORVARIANTS_DATASET) and the default model, prepared beside this program.
/// </summary>
public static class BenchmarkData
{
    public const string DatasetVariable = "COLORVARIANTS_DATASET";
    private const string DatasetName = "hm-colour-variants-dev";

    /// <summary>The catalog folder, whether or not it exists.</summary>
    public static string DatasetPath =>
        Environment.GetEnvironmentVariable(DatasetVariable) is { Length: > 0 } path
            ? Path.GetFullPath(path)
            : Path.GetFullPath(Path.Combine(RepositoryRoot(), "..", "shared", "datasets", DatasetName));

    public static bool DatasetPresent => File.Exists(Path.Combine(DatasetPath, CatalogFolder.FileName));

    /// <summary>The bytes of the catalog's first image: one real packshot, as an upload brings it.</summary>
    public static byte[] FirstCatalogImage()
    {
        if (!DatasetPresent)
            throw new InvalidOperationException($"The dataset is not at {DatasetPath}; set {DatasetVariable} or put shared/ beside the repository.");
        var catalog = CatalogFolder.Read(DatasetPath);
        return File.ReadAllBytes(catalog.Entries[0].ImagePath);
    }

    public static string DefaultModelPath() =>
        DefaultModel.EnsurePrepared(Path.Combine(AppContext.BaseDirectory, "models", DefaultModel.FileName));

    /// <summary>The default's structure descriptor alone, at the default's input size.</summary>
    public static string StructureModelPath() =>
        DefaultModel.EnsureStructureOnly(Path.Combine(AppContext.BaseDirectory, "models", $"structure-{StructureOptions.Default.Cells}x{StructureOptions.Default.Bins}-{DefaultModel.DefaultInputSize}px.onnx"),
            DefaultModel.DefaultInputSize, StructureOptions.Default);

    /// <summary>
    /// The folder holding ColorVariants.sln, found upwards from this program. BenchmarkDotNet runs
    /// each benchmark in a process built below this project's bin folder, so both find it.
    /// </summary>
    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "ColorVariants.sln"))) return dir.FullName;
        throw new InvalidOperationException($"No ColorVariants.sln above {AppContext.BaseDirectory}; set {DatasetVariable}.");
    }
}
