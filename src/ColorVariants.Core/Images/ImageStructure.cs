using System.Buffers.Binary;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Webp;

namespace ColorVariants.Core.Images;

/// <summary>
/// Checks that the bytes are a whole file of their format by walking its container (JPEG markers,
/// PNG chunks, WebP RIFF chunks), without decoding. ImageSharp is lenient: it decodes a JPEG cut
/// short as a grey rectangle and a PNG cut short as black rows, and those were stored as products
/// (issue 9). A cut file lacks its end (EOI, IEND, the RIFF size); that is what is checked here.
/// </summary>
internal static class ImageStructure
{
    /// <summary>Why the file is not whole, or null when it is.</summary>
    public static string? Problem(IImageFormat format, ReadOnlySpan<byte> data) => format switch
    {
        JpegFormat => Jpeg(data),
        PngFormat => Png(data),
        WebpFormat => Webp(data),
        _ => null,
    };

    private const string CutShort = "is cut short";

    /// <summary>
    /// SOI, then length-prefixed segments; each scan (SOS) is followed by entropy-coded data up to
    /// the next marker that is neither a stuffed 0xFF00 nor a restart marker; a frame and a scan
    /// must come before EOI. Bytes after EOI are allowed (some cameras append data there).
    /// </summary>
    private static string? Jpeg(ReadOnlySpan<byte> data)
    {
        bool frame = false, scan = false;
        var pos = 2; // SOI, seen by format detection
        while (true)
        {
            if (pos >= data.Length) return $"{CutShort}: it ends before its end-of-image marker (EOI)";
            if (data[pos] != 0xFF) return $"has stray bytes at offset {pos} where a marker should be";
            while (pos < data.Length && data[pos] == 0xFF) pos++; // fill bytes
            if (pos >= data.Length) return $"{CutShort}: it ends before its end-of-image marker (EOI)";
            var marker = data[pos++];
            if (marker == 0xD9)
                return !frame ? "has no frame header (SOF)" : !scan ? "has no image data (no scan, SOS)" : null;
            if (marker < 0xC0 || marker is >= 0xD0 and <= 0xD8)
                return $"has a misplaced marker 0xFF{marker:X2} at offset {pos - 2}";
            if (pos + 2 > data.Length) return $"{CutShort} inside a segment header";
            var length = BinaryPrimitives.ReadUInt16BigEndian(data[pos..]);
            if (length < 2) return $"has a segment of impossible length {length} at offset {pos - 2}";
            if (pos + length > data.Length) return $"{CutShort} inside a segment (0xFF{marker:X2})";
            pos += length;
            if (marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC) frame = true;
            if (marker != 0xDA) continue;
            if (!frame) return "has a scan before its frame header";
            scan = true;
            while (true)
            {
                var next = data[pos..].IndexOf((byte)0xFF);
                if (next < 0 || pos + next + 1 >= data.Length) return $"{CutShort}: its image data ends without an end-of-image marker (EOI)";
                pos += next;
                var after = data[pos + 1];
                if (after == 0x00 || after is >= 0xD0 and <= 0xD7) pos += 2; // stuffed byte, restart marker
                else break;
            }
        }
    }

    /// <summary>Signature, IHDR first, chunks whole, image data (IDAT), and IEND.</summary>
    private static string? Png(ReadOnlySpan<byte> data)
    {
        bool idat = false;
        var pos = 8; // signature, seen by format detection
        for (var index = 0; ; index++)
        {
            if (pos + 8 > data.Length) return $"{CutShort}: it ends before its IEND chunk";
            var length = BinaryPrimitives.ReadUInt32BigEndian(data[pos..]);
            var type = data.Slice(pos + 4, 4);
            if (index == 0 && !type.SequenceEqual("IHDR"u8)) return "does not start with an IHDR chunk";
            if (length > int.MaxValue || pos + 12L + length > data.Length) return $"{CutShort} inside a chunk";
            if (type.SequenceEqual("IDAT"u8)) idat = true;
            if (type.SequenceEqual("IEND"u8)) return idat ? null : "has no image data (IDAT)";
            pos += 12 + (int)length;
        }
    }

    /// <summary>RIFF size within the bytes, chunks whole, a still image (VP8 or VP8L), not an animation.</summary>
    private static string? Webp(ReadOnlySpan<byte> data)
    {
        if (data.Length < 12) return CutShort;
        var riffEnd = 8L + BinaryPrimitives.ReadUInt32LittleEndian(data[4..]);
        if (riffEnd > data.Length) return $"{CutShort}: it has {data.Length:N0} of the {riffEnd:N0} bytes its RIFF header announces";
        bool image = false;
        var pos = 12; // "RIFF", size, "WEBP"
        while (pos < riffEnd)
        {
            if (pos + 8 > riffEnd) return $"{CutShort} inside a chunk header";
            var fourCc = data.Slice(pos, 4);
            var size = BinaryPrimitives.ReadUInt32LittleEndian(data[(pos + 4)..]);
            if (pos + 8L + size > riffEnd) return $"{CutShort} inside a chunk";
            const byte animationFlag = 0x02;
            if ((fourCc.SequenceEqual("VP8X"u8) && size > 0 && (data[pos + 8] & animationFlag) != 0) || fourCc.SequenceEqual("ANIM"u8) || fourCc.SequenceEqual("ANMF"u8))
                return "is animated; this service reads still images only";
            if (fourCc.SequenceEqual("VP8 "u8) || fourCc.SequenceEqual("VP8L"u8)) image = true;
            pos += 8 + (int)size + (int)(size & 1); // chunks are padded to an even size
        }
        return image ? null : "has no image data (VP8 or VP8L chunk)";
    }
}
