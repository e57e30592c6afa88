using System.Runtime.InteropServices;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.Memory;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace ColorVariants.Core.Images;

public enum ImageRejection
{
    /// <summary>More bytes than <see cref="IntakeLimits.MaxBytes"/>.</summary>
    TooLarge,
    /// <summary>Not JPEG, PNG or WebP, judged by the bytes, whatever the name or declared type.</summary>
    UnsupportedType,
    /// <summary>A supported type whose bytes do not decode.</summary>
    Undecodable,
    /// <summary>Width x height over <see cref="IntakeLimits.MaxPixels"/>, found from the header before decoding.</summary>
    TooManyPixels,
}

public sealed class ImageRejectedException(ImageRejection reason, string message, Exception? inner = null)
    : Exception(message, inner)
{
    public ImageRejection Reason { get; } = reason;
}

public sealed record IntakeLimits
{
    public long MaxBytes { get; init; } = 10 * 1024 * 1024;
    public long MaxPixels { get; init; } = 40_000_000;
}

/// <summary>
/// Turns untrusted bytes into a product picture ready for a model: checks type, size and
/// pixel count before decoding, decodes, applies EXIF orientation and letterboxes it.
/// </summary>
public static class ImageIntake
{
    /// <summary>
    /// ImageSharp's pooling allocator keeps up to an eighth of the machine's memory (about 3 GB
    /// here) once a burst of large decodes has filled its pool, and the process's RSS stays there
    /// (issue 9: 5.3 GB after 32 large uploads). A small pool keeps the common small decodes cheap;
    /// buffers past it are allocated and freed per decode, so a burst's memory is given back.
    /// </summary>
    public const int RetainedPoolMegabytes = 32;

    private static readonly Configuration Accepted = new(
        new JpegConfigurationModule(), new PngConfigurationModule(), new WebpConfigurationModule())
    {
        MemoryAllocator = MemoryAllocator.Create(new MemoryAllocatorOptions { MaximumPoolSizeMegabytes = RetainedPoolMegabytes }),
    };

    /// <summary>Checks what can be checked without decoding and returns the format's media type.</summary>
    public static ImageHeader Inspect(ReadOnlyMemory<byte> data, IntakeLimits limits)
    {
        if (data.Length > limits.MaxBytes)
            throw new ImageRejectedException(ImageRejection.TooLarge,
                $"The image has {data.Length:N0} bytes; the limit is {limits.MaxBytes:N0}.");
        if (data.IsEmpty)
            throw new ImageRejectedException(ImageRejection.UnsupportedType, "The image is empty.");

        var format = Image.DetectFormat(Accepted, data.Span);
        if (format is null)
        {
            var seen = Image.DetectFormat(data.Span)?.Name;
            throw new ImageRejectedException(ImageRejection.UnsupportedType, seen is null
                ? "The content is not an image this service reads (JPEG, PNG or WebP)."
                : $"The content is {seen}; this service reads JPEG, PNG and WebP.");
        }

        if (ImageStructure.Problem(format, data.Span) is { } problem)
            throw new ImageRejectedException(ImageRejection.Undecodable, $"The {format.Name} image {problem}.");

        IImageInfo? info;
        try
        {
            using var stream = AsStream(data);
            info = Image.Identify(Accepted, stream);
        }
        catch (Exception e) when (IsDecoderFailure(e))
        {
            throw new ImageRejectedException(ImageRejection.Undecodable, $"The {format.Name} header does not decode: {e.Message}", e);
        }
        if (info is null || info.Width <= 0 || info.Height <= 0)
            throw new ImageRejectedException(ImageRejection.Undecodable, $"The {format.Name} header does not decode.");
        if ((long)info.Width * info.Height > limits.MaxPixels)
            throw new ImageRejectedException(ImageRejection.TooManyPixels,
                $"The image is {info.Width}x{info.Height} pixels; the limit is {limits.MaxPixels:N0} pixels.");
        return new ImageHeader(format.DefaultMimeType, info.Width, info.Height);
    }

    /// <summary>
    /// The decoders run on untrusted bytes and throw more than their documented exceptions on
    /// crafted ones (a NullReferenceException for a JPEG without tables, NotSupportedException for
    /// some WebPs: issue 9), so any failure of theirs is the image's fault, except running out of
    /// memory and cancellation, which are not.
    /// </summary>
    private static bool IsDecoderFailure(Exception e) => e is not (OutOfMemoryException or OperationCanceledException);

    private static MemoryStream AsStream(ReadOnlyMemory<byte> data) =>
        MemoryMarshal.TryGetArray(data, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(data.ToArray(), writable: false);

    /// <summary>Inspects, decodes and orients the image. The caller disposes it.</summary>
    public static Image<Rgb24> Decode(ReadOnlyMemory<byte> data, IntakeLimits limits) => Decode(data, limits, out _);

    /// <summary>Inspects (<paramref name="header"/> is what that found), decodes and orients the image. The caller disposes it.</summary>
    public static Image<Rgb24> Decode(ReadOnlyMemory<byte> data, IntakeLimits limits, out ImageHeader header)
    {
        header = Inspect(data, limits);
        return DecodeInspected(data);
    }

    /// <summary>Decodes and orients an image that <see cref="Inspect"/> has passed. The caller disposes it.</summary>
    private static Image<Rgb24> DecodeInspected(ReadOnlyMemory<byte> data)
    {
        Image<Rgb24> image;
        try
        {
            image = Image.Load<Rgb24>(Accepted, data.Span);
        }
        catch (Exception e) when (IsDecoderFailure(e))
        {
            throw new ImageRejectedException(ImageRejection.Undecodable, $"The image does not decode: {e.Message}", e);
        }
        image.Mutate(x => x.AutoOrient());
        return image;
    }

    /// <summary>Decodes and letterboxes to a <paramref name="size"/> square: what every model sees.</summary>
    public static Image<Rgb24> DecodeSquare(ReadOnlyMemory<byte> data, int size, IntakeLimits limits) =>
        Letterboxed(Decode(data, limits, out _), size);

    /// <summary>
    /// As <see cref="DecodeSquare(ReadOnlyMemory{byte}, int, IntakeLimits)"/> for an image whose
    /// header <see cref="Inspect"/> has already read (<paramref name="inspected"/>), e.g. to reserve
    /// its pixels in a decode budget first: the header is read once per upload. A decode whose
    /// pixel count differs from the header's is refused, since the budget was sized on the header.
    /// </summary>
    /// <param name="swatch">
    /// With <paramref name="readSwatch"/>, the picture's <see cref="Swatch"/>, read from the decoded
    /// picture before it is letterboxed: so it does not depend on the model's input size, and
    /// <see cref="Swatch.Of"/> of <see cref="Decode(ReadOnlyMemory{byte}, IntakeLimits)"/> (a backfill)
    /// gives the same. Null without: a search by image or a re-embedding has no use for it.
    /// </param>
    public static Image<Rgb24> DecodeSquare(ReadOnlyMemory<byte> data, int size, ImageHeader inspected, bool readSwatch, out Swatch? swatch)
    {
        var image = DecodeInspected(data);
        try
        {
            if ((long)image.Width * image.Height != (long)inspected.Width * inspected.Height)
                throw new ImageRejectedException(ImageRejection.Undecodable,
                    $"The image decodes to {image.Width}x{image.Height}, not the {inspected.Width}x{inspected.Height} its header says.");
            swatch = readSwatch ? Swatch.Of(image) : null;
        }
        catch
        {
            image.Dispose();
            throw;
        }
        return Letterboxed(image, size);
    }

    private static Image<Rgb24> Letterboxed(Image<Rgb24> image, int size)
    {
        try
        {
            Letterbox.Apply(image, size);
            return image;
        }
        catch
        {
            image.Dispose();
            throw;
        }
    }
}

public readonly record struct ImageHeader(string MediaType, int Width, int Height);
