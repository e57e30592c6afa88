using System.Buffers.Binary;
using System.IO.Compression;
using ColorVariants.Core.Images;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.PixelFormats;

namespace ColorVariants.Core.Tests.Images;

public class ImageIntakeTests
{
    private static readonly IntakeLimits Limits = new();

    [Theory]
    [InlineData("png", "image/png")]
    [InlineData("jpeg", "image/jpeg")]
    [InlineData("webp", "image/webp")]
    public void Accepts_png_jpeg_and_webp_by_content(string format, string mediaType)
    {
        using var image = new Image<Rgb24>(30, 20, new Rgb24(10, 20, 30));
        var bytes = format switch
        {
            "png" => TestImages.Png(image),
            "jpeg" => TestImages.Encode(image, new JpegEncoder()),
            _ => TestImages.Encode(image, new WebpEncoder()),
        };
        var header = ImageIntake.Inspect(bytes, Limits);
        Assert.Equal(mediaType, header.MediaType);
        Assert.Equal((30, 20), (header.Width, header.Height));
    }

    [Fact]
    public void Rejects_a_gif_as_unsupported_and_names_what_it_is()
    {
        using var image = new Image<Rgb24>(8, 8);
        var bytes = TestImages.Encode(image, new GifEncoder());
        var rejection = Assert.Throws<ImageRejectedException>(() => ImageIntake.Inspect(bytes, Limits));
        Assert.Equal(ImageRejection.UnsupportedType, rejection.Reason);
        Assert.Contains("GIF", rejection.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Rejects_text_as_unsupported()
    {
        var rejection = Assert.Throws<ImageRejectedException>(() => ImageIntake.Inspect("hello, not an image"u8.ToArray(), Limits));
        Assert.Equal(ImageRejection.UnsupportedType, rejection.Reason);
    }

    [Fact]
    public void Rejects_more_bytes_than_the_limit_before_looking_at_them()
    {
        var rejection = Assert.Throws<ImageRejectedException>(() => ImageIntake.Inspect(new byte[2048], new IntakeLimits { MaxBytes = 1024 }));
        Assert.Equal(ImageRejection.TooLarge, rejection.Reason);
    }

    [Fact]
    public void Rejects_a_truncated_jpeg_as_undecodable()
    {
        using var image = new Image<Rgb24>(64, 64, new Rgb24(200, 10, 10));
        var bytes = TestImages.Encode(image, new JpegEncoder());
        var truncated = bytes[..120]; // cut inside the headers (ImageSharp fills a cut-off scan in grey instead of failing)
        var rejection = Assert.Throws<ImageRejectedException>(() => ImageIntake.Decode(truncated, Limits).Dispose());
        Assert.Equal(ImageRejection.Undecodable, rejection.Reason);
    }

    /// <summary>Issue 9, bugs 2 and 3: a file cut short, padded with garbage, without tables or animated is a 422, never a product or a 500.</summary>
    [Theory]
    [MemberData(nameof(BrokenImages.Names), MemberType = typeof(BrokenImages))]
    public void A_file_that_does_not_decode_completely_is_undecodable(string name)
    {
        var bytes = BrokenImages.Make(name);
        Assert.Equal(ImageRejection.Undecodable, Assert.Throws<ImageRejectedException>(() => ImageIntake.Inspect(bytes, Limits)).Reason);
        Assert.Equal(ImageRejection.Undecodable, Assert.Throws<ImageRejectedException>(() => ImageIntake.Decode(bytes, Limits).Dispose()).Reason);
    }

    [Fact]
    public void Whole_files_still_decode_also_with_bytes_after_the_jpeg_end()
    {
        byte[] trailer = [.. BrokenImages.Jpeg(), .. "camera data after EOI"u8.ToArray()];
        foreach (var bytes in new[] { BrokenImages.Jpeg(), BrokenImages.Png(), BrokenImages.Webp(), trailer })
        {
            using var image = ImageIntake.Decode(bytes, Limits);
            Assert.Equal((64, 64), (image.Width, image.Height));
        }
    }

    /// <summary>
    /// A 20000x20000 PNG whose pixel data is a few KB of zlib: decoding it would need 1.2 GB. The
    /// header alone must reject it; the limit check runs before any decoding.
    /// </summary>
    [Fact]
    public void Rejects_a_pixel_bomb_from_its_header()
    {
        var bomb = PngBomb(20000, 20000);
        Assert.True(bomb.Length < 1_000_000, $"the bomb is {bomb.Length} bytes");
        var before = GC.GetTotalAllocatedBytes(precise: true);
        var rejection = Assert.Throws<ImageRejectedException>(() => ImageIntake.Decode(bomb, Limits).Dispose());
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        Assert.Equal(ImageRejection.TooManyPixels, rejection.Reason);
        Assert.Contains("20000x20000", rejection.Message);
        Assert.True(allocated < 50_000_000, $"{allocated:N0} bytes were allocated: the image was decoded");
    }

    [Fact]
    public void Applies_exif_orientation()
    {
        // 40 wide, 20 high, left half red, right half blue; orientation 6 = rotate 90 degrees clockwise to display.
        using var image = new Image<Rgb24>(40, 20);
        for (var y = 0; y < 20; y++)
            for (var x = 0; x < 40; x++)
                image[x, y] = x < 20 ? new Rgb24(255, 0, 0) : new Rgb24(0, 0, 255);
        image.Metadata.ExifProfile = new ExifProfile();
        image.Metadata.ExifProfile.SetValue(ExifTag.Orientation, (ushort)6);
        var bytes = TestImages.Encode(image, new JpegEncoder { Quality = 95 });

        using var decoded = ImageIntake.Decode(bytes, Limits);
        Assert.Equal((20, 40), (decoded.Width, decoded.Height));
        // Rotated clockwise, the left (red) half is now on top.
        Assert.True(decoded[10, 5].R > 200 && decoded[10, 5].B < 60, $"top is {decoded[10, 5]}");
        Assert.True(decoded[10, 35].B > 200 && decoded[10, 35].R < 60, $"bottom is {decoded[10, 35]}");
    }

    private static byte[] PngBomb(int width, int height)
    {
        using var png = new MemoryStream();
        png.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8; // bit depth
        ihdr[9] = 2; // truecolour
        Chunk(png, "IHDR", ihdr);
        using (var data = new MemoryStream())
        {
            using (var zlib = new ZLibStream(data, CompressionLevel.SmallestSize, leaveOpen: true))
            {
                var row = new byte[1 + width * 3];
                for (var y = 0; y < 200; y++) zlib.Write(row); // a start of the rows is enough for a decoder to commit
            }
            Chunk(png, "IDAT", data.ToArray());
        }
        Chunk(png, "IEND", []);
        return png.ToArray();
    }

    private static void Chunk(Stream png, string type, byte[] data)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
        png.Write(length);
        var typeAndData = new byte[4 + data.Length];
        System.Text.Encoding.ASCII.GetBytes(type, typeAndData);
        data.CopyTo(typeAndData, 4);
        png.Write(typeAndData);
        Span<byte> crc = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32(typeAndData));
        png.Write(crc);
    }

    /// <summary>PNG's CRC-32 (polynomial 0xEDB88320), bit by bit: a few KB only.</summary>
    private static uint Crc32(byte[] bytes)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in bytes)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++) crc = (crc & 1) != 0 ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
        }
        return ~crc;
    }
}
