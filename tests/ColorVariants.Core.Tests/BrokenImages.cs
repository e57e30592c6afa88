using System.Buffers.Binary;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.PixelFormats;

namespace ColorVariants.Core.Tests;

/// <summary>
/// Files that start like a JPEG, PNG or WebP but do not decode completely (issue 9's fuzz cases),
/// made by hand from whole ones. Shared by the Core and the API tests (linked into both).
/// </summary>
public static class BrokenImages
{
    /// <summary>The names of <see cref="Make"/>'s cases, as xunit theory data.</summary>
    public static TheoryData<string> Names => new()
    {
        "jpeg-sof-only", "jpeg-cut-in-scan", "jpeg-cut-in-scan-garbage", "jpeg-cut-before-eoi",
        "png-cut-4", "png-no-iend", "png-cut-in-idat", "webp-cut", "webp-animated",
    };

    public static byte[] Make(string name) => name switch
    {
        // SOI, a 6000x6000 SOF0 with three components, EOI: no tables, no scan (a NullReferenceException in ImageSharp).
        "jpeg-sof-only" => [0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x11, 0x08, 0x17, 0x70, 0x17, 0x70, 0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01, 0xFF, 0xD9],
        "jpeg-cut-in-scan" => Jpeg()[..(ScanStart(Jpeg()) + 400)],
        "jpeg-cut-in-scan-garbage" => [.. Jpeg()[..(ScanStart(Jpeg()) + 400)], .. Garbage(600)],
        "jpeg-cut-before-eoi" => Jpeg()[..^2],
        "png-cut-4" => Png()[..^4],
        "png-no-iend" => Png()[..^12],
        "png-cut-in-idat" => Png()[..(Png().Length / 2)],
        "webp-cut" => Webp()[..^10],
        "webp-animated" => AnimatedWebp(),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };

    /// <summary>Noise, so the entropy-coded data is most of the file.</summary>
    public static Image<Rgb24> Noise(int width = 64, int height = 64)
    {
        var random = new Random(3);
        var image = new Image<Rgb24>(width, height);
        for (var y = 0; y < height; y++)
            for (var x = 0; x < width; x++)
                image[x, y] = new Rgb24((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256));
        return image;
    }

    public static byte[] Jpeg() => Encode(new JpegEncoder { Quality = 90 });
    public static byte[] Png() => Encode(new PngEncoder());
    public static byte[] Webp() => Encode(new WebpEncoder { FileFormat = WebpFileFormatType.Lossless });

    private static byte[] Encode(SixLabors.ImageSharp.Formats.IImageEncoder encoder)
    {
        using var image = Noise();
        using var stream = new MemoryStream();
        image.Save(stream, encoder);
        return stream.ToArray();
    }

    /// <summary>Where the first scan's entropy-coded data starts: after the SOS segment.</summary>
    private static int ScanStart(byte[] jpeg)
    {
        for (var i = 2; i + 3 < jpeg.Length; i++)
            if (jpeg[i] == 0xFF && jpeg[i + 1] == 0xDA) return i + 2 + BinaryPrimitives.ReadUInt16BigEndian(jpeg.AsSpan(i + 2));
        throw new InvalidOperationException("no SOS");
    }

    private static byte[] Garbage(int length)
    {
        var bytes = new byte[length];
        new Random(9).NextBytes(bytes);
        return bytes;
    }

    /// <summary>
    /// An animated WebP of one frame: VP8X with the animation flag, ANIM, and an ANMF that holds the
    /// VP8L chunk of a still lossless WebP (RIFF container per the WebP container specification).
    /// </summary>
    private static byte[] AnimatedWebp()
    {
        var still = Webp();
        var vp8l = still[12..]; // the still file's one chunk, "VP8L" + size + data
        using var body = new MemoryStream();
        body.Write("WEBP"u8);
        Chunk(body, "VP8X", [0x02, 0, 0, 0, 63, 0, 0, 63, 0, 0]); // animation flag; canvas 64x64 (minus one, 24-bit LE)
        Chunk(body, "ANIM", [0, 0, 0, 0, 0, 0]); // background colour, loop count
        var frame = new byte[16 + vp8l.Length];
        frame[6] = 63; frame[9] = 63; // 64x64 frame at 0,0 (24-bit LE, minus one); duration 0
        vp8l.CopyTo(frame, 16);
        Chunk(body, "ANMF", frame);
        var riff = new byte[8 + body.Length];
        "RIFF"u8.CopyTo(riff);
        BinaryPrimitives.WriteUInt32LittleEndian(riff.AsSpan(4), (uint)body.Length);
        body.ToArray().CopyTo(riff, 8);
        return riff;
    }

    private static void Chunk(Stream stream, string fourCc, byte[] data)
    {
        stream.Write(System.Text.Encoding.ASCII.GetBytes(fourCc));
        Span<byte> size = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(size, (uint)data.Length);
        stream.Write(size);
        stream.Write(data);
        if (data.Length % 2 == 1) stream.WriteByte(0);
    }
}
