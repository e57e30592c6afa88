using System.Net.Http.Headers;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace ColorVariants.Api.Tests;

/// <summary>Product pictures made in the test and the multipart forms that carry them.</summary>
public static class Uploads
{
    /// <summary>A garment-like picture: a shape (0 square, 1 disc, 2 stripes, 3 cross) in a colour on a light background; JPEG, or PNG (lossless: its colours exact).</summary>
    public static byte[] Product(int design, Rgb24 colour, int width = 120, int height = 160, bool png = false)
    {
        using var image = new Image<Rgb24>(width, height, new Rgb24(245, 245, 245));
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                double u = (x - width / 2.0) / width, v = (y - height / 2.0) / height;
                var inside = design switch
                {
                    0 => Math.Abs(u) < 0.3 && Math.Abs(v) < 0.35,
                    1 => u * u + v * v < 0.1,
                    2 => Math.Abs(u) < 0.35 && Math.Abs(v) < 0.4 && (y / 12) % 2 == 0,
                    _ => (Math.Abs(u) < 0.08 && Math.Abs(v) < 0.4) || (Math.Abs(v) < 0.08 && Math.Abs(u) < 0.35),
                };
                if (inside) image[x, y] = colour;
            }
        }
        using var stream = new MemoryStream();
        if (png) image.Save(stream, new PngEncoder());
        else image.Save(stream, new JpegEncoder { Quality = 90 });
        return stream.ToArray();
    }

    /// <summary>Noise does not compress: a PNG of about width x height x 3 bytes.</summary>
    public static byte[] NoisePng(int width, int height, int seed = 1)
    {
        var random = new Random(seed);
        using var image = new Image<Rgb24>(width, height);
        for (var y = 0; y < height; y++)
            for (var x = 0; x < width; x++)
                image[x, y] = new Rgb24((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256));
        using var stream = new MemoryStream();
        image.Save(stream, new PngEncoder());
        return stream.ToArray();
    }

    public static MultipartFormDataContent Form(byte[] image, string? category = null, string? name = null, string? colour = null,
        string? attributes = null, string fileName = "image.jpg", string contentType = "image/jpeg")
    {
        var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(image);
        file.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        form.Add(file, "image", fileName);
        if (category is not null) form.Add(new StringContent(category), "category");
        if (name is not null) form.Add(new StringContent(name), "name");
        if (colour is not null) form.Add(new StringContent(colour), "colour");
        if (attributes is not null) form.Add(new StringContent(attributes), "attributes");
        return form;
    }

    public static Rgb24 Red => new(200, 30, 30);
    public static Rgb24 Blue => new(30, 60, 200);
    public static Rgb24 Green => new(40, 160, 60);
    public static Rgb24 Black => new(20, 20, 20);
}
