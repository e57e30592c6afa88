using ColorVariants.Core.Catalog;
using ColorVariants.Core.Images;
using ColorVariants.Training.Data;
using SixLabors.ImageSharp.PixelFormats;
using TorchSharp;

namespace ColorVariants.Training.Tests.Data;

public class ImageTensorCacheTests
{
    private const int Size = 24;

    private sealed class Recorder(Action<CacheProgress>? onReport = null) : IProgress<CacheProgress>
    {
        public List<CacheProgress> Reports { get; } = [];

        public void Report(CacheProgress value)
        {
            lock (Reports) Reports.Add(value);
            onReport?.Invoke(value);
        }
    }

    private static ImageCacheOptions Options(TestCatalog catalog, int parallelism = 2) =>
        new() { Size = Size, Directory = catalog.CacheDirectory, MaxParallelism = parallelism };

    /// <summary>What Core's intake makes of the row's file, as CHW bytes.</summary>
    private static byte[] Decoded(CatalogFolder folder, string sku)
    {
        var entry = folder.Entries.Single(e => e.Sku == sku);
        using var square = ImageIntake.DecodeSquare(File.ReadAllBytes(entry.ImagePath), Size, new IntakeLimits());
        var pixels = new Rgb24[Size * Size];
        square.CopyPixelDataTo(pixels);
        var plane = Size * Size;
        var chw = new byte[3 * plane];
        for (var i = 0; i < plane; i++)
        {
            chw[i] = pixels[i].R;
            chw[plane + i] = pixels[i].G;
            chw[2 * plane + i] = pixels[i].B;
        }
        return chw;
    }

    private static byte[] Row(ImageTensorCache cache, int index)
    {
        using var row = cache.Pixels[index];
        return row.bytes.ToArray();
    }

    [Fact]
    public void Builds_every_decodable_image_as_core_decodes_it_and_lists_the_rest()
    {
        using var catalog = new TestCatalog();
        var folder = CatalogFolder.Read(catalog.Root);
        var progress = new Recorder();
        using var cache = ImageTensorCache.Open(folder, Options(catalog), progress);

        Assert.Equal(catalog.GoodImages, cache.Count);
        Assert.Equal(new long[] { catalog.GoodImages, 3, Size, Size }, cache.Pixels.shape);
        Assert.Equal(torch.ScalarType.Byte, cache.Pixels.dtype);
        Assert.Equal(folder.Entries.Count, cache.DecodedCount);
        Assert.Equal(TestCatalog.BrokenSku, Assert.Single(cache.Rejected).Sku);
        Assert.Equal(["a-1", "a-2", "b-1", "b-2", "solo-1"], cache.Items.Select(i => i.Sku));
        Assert.Equal(["style-a", "style-a", "style-b", "style-b", null], cache.Styles);
        Assert.All(cache.Items, i => Assert.Equal("tops", i.Category));
        for (var i = 0; i < cache.Count; i++)
            Assert.Equal(Decoded(folder, cache.Items[i].Sku), Row(cache, i));

        Assert.Equal(new CacheProgress(0, 6), progress.Reports[0]);
        Assert.Equal(6, progress.Reports.Max(r => r.Done));
        Assert.All(progress.Reports, r => Assert.Equal(6, r.Total));
    }

    [Fact]
    public void A_second_open_reuses_the_file_and_loads_the_same_bytes()
    {
        using var catalog = new TestCatalog();
        var folder = CatalogFolder.Read(catalog.Root);
        byte[][] first;
        string path;
        using (var built = ImageTensorCache.Open(folder, Options(catalog)))
        {
            first = Enumerable.Range(0, built.Count).Select(i => Row(built, i)).ToArray();
            path = built.FilePath;
        }
        var written = File.GetLastWriteTimeUtc(path);

        var progress = new Recorder();
        using var loaded = ImageTensorCache.Open(CatalogFolder.Read(catalog.Root), Options(catalog), progress);

        Assert.Equal(path, loaded.FilePath);
        Assert.Equal(0, loaded.DecodedCount);
        Assert.Equal([new CacheProgress(6, 6)], progress.Reports);
        Assert.Equal(written, File.GetLastWriteTimeUtc(path));
        Assert.Equal(first, Enumerable.Range(0, loaded.Count).Select(i => Row(loaded, i)).ToArray());
        Assert.Equal(TestCatalog.BrokenSku, Assert.Single(loaded.Rejected).Sku);
        Assert.Single(Directory.GetFiles(catalog.CacheDirectory)); // no temporary left behind
    }

    [Fact]
    public void The_file_name_follows_size_and_selection()
    {
        using var catalog = new TestCatalog();
        var folder = CatalogFolder.Read(catalog.Root);
        var all = ImageTensorCache.FileNameFor(folder, Options(catalog));
        var styleA = ImageTensorCache.FileNameFor(folder, Options(catalog) with { Filter = e => e.Style == "style-a" });
        var larger = ImageTensorCache.FileNameFor(folder, Options(catalog) with { Size = 32 });

        Assert.Equal(3, new[] { all, styleA, larger }.Distinct().Count());
        using var cache = ImageTensorCache.Open(folder, Options(catalog) with { Filter = e => e.Style == "style-a" });
        Assert.Equal(styleA, Path.GetFileName(cache.FilePath));
        Assert.Equal(["a-1", "a-2"], cache.Items.Select(i => i.Sku));
    }

    [Fact]
    public void An_interrupted_build_resumes_where_it_stopped()
    {
        using var catalog = new TestCatalog();
        var folder = CatalogFolder.Read(catalog.Root);
        using var cancel = new CancellationTokenSource();
        var stopper = new Recorder(p => { if (p.Done >= 2) cancel.Cancel(); });

        Assert.ThrowsAny<OperationCanceledException>(() =>
            ImageTensorCache.Open(folder, Options(catalog, parallelism: 1), stopper, cancel.Token));
        var final = Path.Combine(catalog.CacheDirectory, ImageTensorCache.FileNameFor(folder, Options(catalog)));
        Assert.False(File.Exists(final));
        Assert.True(File.Exists(final + ".partial"));

        var progress = new Recorder();
        using var resumed = ImageTensorCache.Open(folder, Options(catalog), progress);

        Assert.InRange(resumed.DecodedCount, 1, folder.Entries.Count - 2);
        Assert.True(progress.Reports[0].Done >= 2);
        Assert.False(File.Exists(final + ".partial"));
        for (var i = 0; i < resumed.Count; i++)
            Assert.Equal(Decoded(folder, resumed.Items[i].Sku), Row(resumed, i));
    }

    [Fact]
    public void A_damaged_file_is_rebuilt()
    {
        using var catalog = new TestCatalog();
        var folder = CatalogFolder.Read(catalog.Root);
        Directory.CreateDirectory(catalog.CacheDirectory);
        var final = Path.Combine(catalog.CacheDirectory, ImageTensorCache.FileNameFor(folder, Options(catalog)));
        File.WriteAllBytes(final, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);

        using var cache = ImageTensorCache.Open(folder, Options(catalog));

        Assert.Equal(folder.Entries.Count, cache.DecodedCount);
        Assert.Equal(Decoded(folder, "b-2"), Row(cache, 3));
    }

    [Fact]
    public void A_batch_is_float_rgb_on_the_pixel_scale_in_the_order_asked()
    {
        using var catalog = new TestCatalog();
        using var cache = ImageTensorCache.Open(CatalogFolder.Read(catalog.Root), Options(catalog));

        using var batch = cache.Batch([3, 0, 3]);

        Assert.Equal(torch.ScalarType.Float32, batch.dtype);
        Assert.Equal(new long[] { 3, 3, Size, Size }, batch.shape);
        var values = batch.data<float>().ToArray();
        var plane = 3 * Size * Size;
        Assert.Equal(Row(cache, 3).Select(b => (float)b), values[..plane]);
        Assert.Equal(Row(cache, 0).Select(b => (float)b), values[plane..(2 * plane)]);
        Assert.Equal(Row(cache, 3).Select(b => (float)b), values[(2 * plane)..]);
        Assert.Throws<ArgumentOutOfRangeException>(() => cache.Batch([cache.Count]));
    }

    [Fact]
    public void The_store_survives_the_dispose_scope_it_was_opened_in()
    {
        using var catalog = new TestCatalog();
        ImageTensorCache cache;
        using (torch.NewDisposeScope())
            cache = ImageTensorCache.Open(CatalogFolder.Read(catalog.Root), Options(catalog));
        using (cache)
        {
            Assert.False(cache.Pixels.IsInvalid);
            using var batch = cache.Batch([0]);
            Assert.Equal(Row(cache, 0).Select(b => (float)b), batch.data<float>().ToArray());
        }
    }
}
