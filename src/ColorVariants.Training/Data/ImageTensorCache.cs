using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using ColorVariants.Core.Catalog;
using ColorVariants.Core.Images;
using Microsoft.Win32.SafeHandles;
using SixLabors.ImageSharp.PixelFormats;
using TorchSharp;
using static TorchSharp.torch;

namespace ColorVariants.Training.Data;

/// <summary>
/// A catalog's images decoded and letterboxed once (Core's <see cref="ImageIntake.DecodeSquare"/>)
/// at the training size and kept as one uint8 RGB store [N,3,S,S], in RAM and in a file that later
/// runs load instead of decoding again. Rows that do not decode are left out and listed in <see cref="Rejected"/>.
/// </summary>
public sealed class ImageTensorCache : IDisposable
{
    private readonly string?[] _styles;

    private ImageTensorCache(string filePath, CacheFile.Header header, CachedImage[] items,
        IReadOnlyList<CatalogProblem> rejected, Tensor pixels, int decodedCount)
    {
        FilePath = filePath;
        Size = header.Size;
        CatalogFingerprint = header.CatalogFingerprint;
        Items = items;
        _styles = items.Select(i => i.Style).ToArray();
        Rejected = rejected;
        Pixels = pixels;
        DecodedCount = decodedCount;
    }

    public string FilePath { get; }
    public int Size { get; }
    public string CatalogFingerprint { get; }
    public int Count => Items.Count;
    /// <summary>Row i of <see cref="Pixels"/> is image i.</summary>
    public IReadOnlyList<CachedImage> Items { get; }
    /// <summary>Style of each image (null when unlabelled): the input of <see cref="PkSampler"/>.</summary>
    public IReadOnlyList<string?> Styles => _styles;
    /// <summary>Selected rows whose image did not decode, with the reason.</summary>
    public IReadOnlyList<CatalogProblem> Rejected { get; }
    /// <summary>Images this <see cref="Open"/> call decoded: 0 when it reused a finished file.</summary>
    public int DecodedCount { get; }
    /// <summary>The uint8 [N,3,S,S] RGB store. Owned by the cache: do not dispose it.</summary>
    public Tensor Pixels { get; }

    /// <summary>The file name for a catalog and options: it changes with catalog.csv, the selected skus and the size.</summary>
    public static string FileNameFor(CatalogFolder catalog, ImageCacheOptions options) =>
        FileName(options.Size, Key(catalog.Fingerprint, options.Size, Select(catalog, options).Select(e => e.Sku)));

    /// <summary>
    /// Loads the cache file for this catalog selection, or builds it (in parallel, resuming an
    /// interrupted build) and then loads it. Cancelling leaves a partial file the next call resumes.
    /// </summary>
    public static ImageTensorCache Open(CatalogFolder catalog, ImageCacheOptions options,
        IProgress<CacheProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        if (options.Size is < 8 or > 2048) throw new ArgumentOutOfRangeException(nameof(options), "Size must be 8-2048 pixels.");
        if (options.MaxParallelism < 1) throw new ArgumentOutOfRangeException(nameof(options), "MaxParallelism must be at least 1.");

        var entries = Select(catalog, options);
        var key = Key(catalog.Fingerprint, options.Size, entries.Select(e => e.Sku));
        var items = entries.Select(e => new CachedImage(e.Line, e.Sku, e.Style, e.Category)).ToArray();
        var layout = CacheFile.For(new CacheFile.Header(CacheFile.FormatVersion, key, catalog.Fingerprint, options.Size, items));

        Directory.CreateDirectory(options.Directory);
        var path = Path.Combine(options.Directory, FileName(options.Size, key));
        if (File.Exists(path))
        {
            try
            {
                var loaded = Load(path, layout, decodedCount: 0);
                progress?.Report(new CacheProgress(layout.Count, layout.Count)); // nothing to do: done at once
                return loaded;
            }
            catch (InvalidDataException)
            {
                File.Delete(path); // damaged or foreign: build it again
            }
        }

        var partial = path + ".partial";
        var decoded = CacheBuilder.Build(partial, layout, entries, options, progress, cancellationToken);
        File.Move(partial, path, overwrite: true);
        return Load(path, layout, decoded);
    }

    /// <summary>Images <paramref name="indices"/> as a new float32 [B,3,S,S] RGB tensor on the 0-255 scale.</summary>
    public Tensor Batch(ReadOnlySpan<int> indices, Device? device = null)
    {
        var index = new long[indices.Length];
        for (var i = 0; i < indices.Length; i++)
        {
            if ((uint)indices[i] >= (uint)Count)
                throw new ArgumentOutOfRangeException(nameof(indices), $"Index {indices[i]} is outside the cache's {Count} images.");
            index[i] = indices[i];
        }
        using var indexTensor = torch.tensor(index, ScalarType.Int64);
        using var bytes = Pixels.index_select(0, indexTensor);
        if (device is null || device.type == DeviceType.CPU)
            return bytes.to_type(ScalarType.Float32);
        using var moved = bytes.to(device); // move uint8, a quarter of the bytes, then convert there
        return moved.to_type(ScalarType.Float32);
    }

    public void Dispose() => Pixels.Dispose();

    private static List<CatalogEntry> Select(CatalogFolder catalog, ImageCacheOptions options) =>
        (options.Filter is null ? catalog.Entries : catalog.Entries.Where(options.Filter)).ToList();

    private static string FileName(int size, string key) => $"images-{size}px-{key[..16]}.cvimg";

    private static string Key(string fingerprint, int size, IEnumerable<string> skus)
    {
        var text = $"cvimg/{CacheFile.FormatVersion}\n{fingerprint}\n{size}\n{string.Join('\n', skus)}";
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    private static ImageTensorCache Load(string path, CacheFile expected, int decodedCount)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        var file = CacheFile.Read(handle);
        if (!file.Prefix.AsSpan().SequenceEqual(expected.Prefix))
            throw new InvalidDataException("The cache file holds another selection.");
        var states = file.ReadStates(handle);
        if (states.Contains(CacheFile.Pending)) throw new InvalidDataException("The cache file is unfinished.");
        var rejected = file.ReadTrailer(handle);

        var slots = Enumerable.Range(0, file.Count).Where(s => states[s] == CacheFile.Written).ToArray();
        var size = file.Content.Size;
        // Owned by the cache: kept out of any dispose scope the caller has open.
        var pixels = torch.empty([slots.Length, 3, size, size], ScalarType.Byte).DetachFromDisposeScope();
        try
        {
            for (var row = 0; row < slots.Length; row++)
            {
                using var view = pixels[row]; // a contiguous view: its span is the row's memory
                CacheFile.ReadExactly(handle, view.bytes, file.PixelOffset(slots[row]));
            }
        }
        catch
        {
            pixels.Dispose();
            throw;
        }
        var items = slots.Select(s => file.Content.Items[s]).ToArray();
        return new ImageTensorCache(path, file.Content, items, rejected, pixels, decodedCount);
    }

    /// <summary>Writes the partial file: decodes what it lacks, in parallel, marking each image as it lands.</summary>
    private static class CacheBuilder
    {
        public static int Build(string partialPath, CacheFile layout, IReadOnlyList<CatalogEntry> entries,
            ImageCacheOptions options, IProgress<CacheProgress>? progress, CancellationToken cancellationToken)
        {
            using var handle = OpenOrResume(partialPath, layout, out var states);
            // Rejected images are tried again, so the reasons in the finished file are this run's.
            var pending = Enumerable.Range(0, layout.Count).Where(s => states[s] != CacheFile.Written).ToArray();
            var done = layout.Count - pending.Length;
            progress?.Report(new CacheProgress(done, layout.Count));

            var rejected = new ConcurrentBag<CatalogProblem>();
            var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.MaxParallelism, CancellationToken = cancellationToken };
            Parallel.ForEach(pending, parallel,
                () => new Buffers(options.Size),
                (slot, _, buffers) =>
                {
                    var entry = entries[slot];
                    var state = TryDecode(entry, options, buffers, out var reason);
                    if (state == CacheFile.Written)
                        RandomAccess.Write(handle, buffers.Chw, layout.PixelOffset(slot));
                    else
                        rejected.Add(new CatalogProblem(entry.Line, entry.Sku, reason!));
                    layout.WriteState(handle, slot, state); // after the pixels: a marked image is complete
                    progress?.Report(new CacheProgress(Interlocked.Increment(ref done), layout.Count));
                    return buffers;
                },
                _ => { });

            layout.WriteTrailer(handle, rejected.OrderBy(r => r.Line).ToList());
            RandomAccess.FlushToDisk(handle);
            return pending.Length;
        }

        private static SafeFileHandle OpenOrResume(string path, CacheFile layout, out byte[] states)
        {
            if (File.Exists(path))
            {
                // FileShare.None: a second process building the same cache fails here instead of interleaving.
                var existing = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
                try
                {
                    if (CacheFile.Read(existing).Prefix.AsSpan().SequenceEqual(layout.Prefix))
                    {
                        states = layout.ReadStates(existing);
                        return existing;
                    }
                }
                catch (InvalidDataException)
                {
                    // not resumable: start over below
                }
                existing.Dispose();
            }

            var handle = File.OpenHandle(path, FileMode.Create, FileAccess.ReadWrite, FileShare.None);
            try
            {
                RandomAccess.Write(handle, layout.Prefix, 0);
                states = new byte[layout.Count]; // all pending
                RandomAccess.Write(handle, states, layout.FlagsOffset);
                RandomAccess.SetLength(handle, layout.TrailerOffset);
                return handle;
            }
            catch
            {
                handle.Dispose();
                throw;
            }
        }

        private static byte TryDecode(CatalogEntry entry, ImageCacheOptions options, Buffers buffers, out string? reason)
        {
            byte[] data;
            try
            {
                data = File.ReadAllBytes(entry.ImagePath);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                reason = $"The image file cannot be read: {e.Message}";
                return CacheFile.Rejected;
            }
            try
            {
                using var square = ImageIntake.DecodeSquare(data, options.Size, options.Limits);
                square.CopyPixelDataTo(buffers.Pixels);
            }
            catch (ImageRejectedException e)
            {
                reason = e.Message;
                return CacheFile.Rejected;
            }
            buffers.ToChw();
            reason = null;
            return CacheFile.Written;
        }
    }

    /// <summary>One worker's scratch: the decoded HWC pixels and their CHW bytes.</summary>
    private sealed class Buffers(int size)
    {
        public Rgb24[] Pixels { get; } = new Rgb24[size * size];
        public byte[] Chw { get; } = new byte[3 * size * size];

        public void ToChw()
        {
            var plane = Pixels.Length;
            for (var i = 0; i < plane; i++)
            {
                var p = Pixels[i];
                Chw[i] = p.R;
                Chw[plane + i] = p.G;
                Chw[2 * plane + i] = p.B;
            }
        }
    }
}
