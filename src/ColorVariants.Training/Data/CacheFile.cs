using System.Buffers.Binary;
using System.Text.Json;
using ColorVariants.Core.Catalog;
using Microsoft.Win32.SafeHandles;

namespace ColorVariants.Training.Data;

/// <summary>
/// The cache file's layout (little-endian):
/// magic "CVIMGC01" | int32 header length | UTF-8 JSON header | one state byte per image |
/// zero padding to 4 KiB | [N,3,S,S] uint8 pixels | int32 length | UTF-8 JSON of rejected rows.
/// The state bytes let an interrupted build resume: a byte is set only after its pixels are written.
/// </summary>
internal sealed class CacheFile
{
    public const int FormatVersion = 1;
    private const int Alignment = 4096;
    private static ReadOnlySpan<byte> Magic => "CVIMGC01"u8;

    public const byte Pending = 0;
    public const byte Written = 1;
    public const byte Rejected = 2;

    internal sealed record Header(int Format, string Key, string CatalogFingerprint, int Size, CachedImage[] Items);

    private CacheFile(Header header, byte[] prefix)
    {
        Content = header;
        Prefix = prefix;
        Plane = 3L * header.Size * header.Size;
        FlagsOffset = prefix.Length;
        DataOffset = (FlagsOffset + Count + Alignment - 1) / Alignment * Alignment;
    }

    public Header Content { get; }
    /// <summary>Magic, header length and header: the bytes a file must start with.</summary>
    public byte[] Prefix { get; }
    public int Count => Content.Items.Length;
    public long Plane { get; }
    public long FlagsOffset { get; }
    public long DataOffset { get; }
    public long TrailerOffset => DataOffset + Count * Plane;
    public long PixelOffset(int slot) => DataOffset + slot * Plane;

    public static CacheFile For(Header header)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(header);
        var prefix = new byte[Magic.Length + 4 + json.Length];
        Magic.CopyTo(prefix);
        BinaryPrimitives.WriteInt32LittleEndian(prefix.AsSpan(Magic.Length), json.Length);
        json.CopyTo(prefix.AsSpan(Magic.Length + 4));
        return new CacheFile(header, prefix);
    }

    /// <summary>Reads a file's header; <see cref="InvalidDataException"/> when it is not a cache file.</summary>
    public static CacheFile Read(SafeFileHandle handle)
    {
        Span<byte> start = stackalloc byte[12];
        ReadExactly(handle, start, 0);
        if (!start[..8].SequenceEqual(Magic)) throw new InvalidDataException("Not an image cache file.");
        var length = BinaryPrimitives.ReadInt32LittleEndian(start[8..]);
        if (length <= 0 || length > RandomAccess.GetLength(handle)) throw new InvalidDataException("Bad header length.");
        var json = new byte[length];
        ReadExactly(handle, json, 12);
        Header? header;
        try
        {
            header = JsonSerializer.Deserialize<Header>(json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"Bad cache header: {e.Message}", e);
        }
        if (header is null || header.Format != FormatVersion || header.Items is null)
            throw new InvalidDataException("Unknown cache format.");
        return For(header);
    }

    public byte[] ReadStates(SafeFileHandle handle)
    {
        var states = new byte[Count];
        ReadExactly(handle, states, FlagsOffset);
        if (states.Any(s => s > Rejected)) throw new InvalidDataException("Bad image state byte.");
        return states;
    }

    public void WriteState(SafeFileHandle handle, int slot, byte state) =>
        RandomAccess.Write(handle, [state], FlagsOffset + slot);

    public void WriteTrailer(SafeFileHandle handle, IReadOnlyList<CatalogProblem> rejected)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(rejected);
        var bytes = new byte[4 + json.Length];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, json.Length);
        json.CopyTo(bytes.AsSpan(4));
        RandomAccess.Write(handle, bytes, TrailerOffset);
        RandomAccess.SetLength(handle, TrailerOffset + bytes.Length);
    }

    public List<CatalogProblem> ReadTrailer(SafeFileHandle handle)
    {
        Span<byte> lengthBytes = stackalloc byte[4];
        ReadExactly(handle, lengthBytes, TrailerOffset);
        var length = BinaryPrimitives.ReadInt32LittleEndian(lengthBytes);
        if (length < 0 || TrailerOffset + 4 + length != RandomAccess.GetLength(handle))
            throw new InvalidDataException("Bad cache trailer.");
        var json = new byte[length];
        ReadExactly(handle, json, TrailerOffset + 4);
        try
        {
            return JsonSerializer.Deserialize<List<CatalogProblem>>(json) ?? throw new InvalidDataException("Bad cache trailer.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"Bad cache trailer: {e.Message}", e);
        }
    }

    public static void ReadExactly(SafeFileHandle handle, Span<byte> destination, long offset)
    {
        while (!destination.IsEmpty)
        {
            var read = RandomAccess.Read(handle, destination, offset);
            if (read == 0) throw new InvalidDataException("The cache file is truncated.");
            destination = destination[read..];
            offset += read;
        }
    }
}
