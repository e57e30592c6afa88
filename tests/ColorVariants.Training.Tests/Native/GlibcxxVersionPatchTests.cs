using ColorVariants.Build;
using TorchSharp;

namespace ColorVariants.Training.Tests.Native;

public class GlibcxxVersionPatchTests
{
    private static string ShippedLibrary()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", GlibcxxVersionPatch.LibraryFileName);
        Assert.True(File.Exists(path), $"TorchSharp's native library is not at {path}.");
        return path;
    }

    [Fact]
    public void Patching_a_copy_marks_only_the_missing_version_weak_and_is_idempotent()
    {
        // The package's own file (before the build step) still needs the version strongly.
        var original = Path.Combine(
            Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages"),
            "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", GlibcxxVersionPatch.LibraryFileName);
        Assert.True(File.Exists(original), $"TorchSharp's package file is not at {original}.");
        var copy = Path.Combine(Path.GetTempPath(), $"libLibTorchSharp-{Guid.NewGuid():N}.so");
        File.Copy(original, copy);
        try
        {
            var before = File.ReadAllBytes(copy);
            Assert.Equal(GlibcxxVersionPatch.Outcome.Patched, GlibcxxVersionPatch.PatchFile(copy));
            var after = File.ReadAllBytes(copy);
            Assert.Equal(before.Length, after.Length);
            var differing = Enumerable.Range(0, before.Length).Where(i => before[i] != after[i]).ToArray();
            Assert.Single(differing); // one byte: the low byte of vna_flags
            Assert.Equal(before[differing[0]] | 0x2, after[differing[0]]);
            Assert.Equal(GlibcxxVersionPatch.Outcome.AlreadyWeak, GlibcxxVersionPatch.PatchFile(copy));
        }
        finally
        {
            File.Delete(copy);
        }
    }

    [Fact]
    public void A_library_that_needs_no_such_version_is_left_alone()
    {
        var system = GlibcxxVersionPatch.FindSystemLibStdCxx();
        Assert.NotNull(system);
        var bytes = File.ReadAllBytes(system);
        Assert.Equal(GlibcxxVersionPatch.Outcome.NotNeeded, GlibcxxVersionPatch.MarkVersionNeedWeak(bytes));
        Assert.Contains("GLIBCXX_3.4.21", GlibcxxVersionPatch.DefinedVersions(bytes));
    }

    [Fact]
    public void The_built_library_loads_and_computes()
    {
        ShippedLibrary();
        using var sum = torch.tensor(new float[] { 1, 2, 3 }).sum();
        Assert.Equal(6f, sum.item<float>());
    }
}
