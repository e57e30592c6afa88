using System.Globalization;

namespace ColorVariants.Core.Images;

public enum ChannelOrder { Rgb, Bgr }

/// <summary>
/// How pixels reach the model: Rgb keeps colour, Gray feeds BT.601 luma to all three channels,
/// GrayEqualised feeds luma after <see cref="LumaEqualisation"/>: the garment's own tones spread
/// over the whole range, so a black and a white version of one design look alike.
/// </summary>
public enum ColourMode { Rgb, Gray, GrayEqualised, GrayStretched }

/// <summary>
/// How an image becomes a model's input tensor. It is stored in the model file's ONNX metadata
/// (<see cref="ToMetadata"/>), so a model and its preprocessing always travel together and the
/// trainer, the service and the CLI all read the same values.
/// </summary>
/// <param name="InputSize">Side of the square input, in pixels.</param>
/// <param name="Mean">Per input channel (in <paramref name="ChannelOrder"/>), on the 0-255 pixel scale.</param>
/// <param name="Std">Per input channel; the tensor holds (pixel - mean) / std.</param>
public sealed record PreprocessingSpec(
    int InputSize,
    ChannelOrder ChannelOrder,
    float[] Mean,
    float[] Std,
    ColourMode ColourMode)
{
    public const string KeyPrefix = "colorvariants.";
    public const string InputSizeKey = KeyPrefix + "input_size";
    public const string ChannelOrderKey = KeyPrefix + "channel_order";
    public const string MeanKey = KeyPrefix + "mean";
    public const string StdKey = KeyPrefix + "std";
    public const string ColourModeKey = KeyPrefix + "colour_mode";

    /// <summary>BT.601 luma weights for R, G and B.</summary>
    public static ReadOnlySpan<float> LumaWeights => [0.299f, 0.587f, 0.114f];

    /// <summary>
    /// CNTK's ImageNet ResNet: BGR on 0-255 minus the ImageNet mean image, no std scaling. The
    /// means are the per-channel averages of the mean image shipped with the model
    /// (ResNetPreprocess.onnx), so any input size or crop can use them.
    /// </summary>
    public static PreprocessingSpec CntkResNet(int inputSize = 224, ColourMode colourMode = ColourMode.Gray) =>
        new(inputSize, ChannelOrder.Bgr, [103.0626f, 115.9029f, 123.1516f], [1f, 1f, 1f], colourMode);

    public int TensorLength => 3 * InputSize * InputSize;

    public IEnumerable<KeyValuePair<string, string>> ToMetadata()
    {
        yield return new(InputSizeKey, InputSize.ToString(CultureInfo.InvariantCulture));
        yield return new(ChannelOrderKey, ChannelOrder == ChannelOrder.Bgr ? "bgr" : "rgb");
        yield return new(MeanKey, Join(Mean));
        yield return new(StdKey, Join(Std));
        yield return new(ColourModeKey, ColourMode switch { ColourMode.Gray => "gray", ColourMode.GrayEqualised => "gray-equalised", ColourMode.GrayStretched => "gray-stretched", _ => "rgb" });
    }

    /// <summary>Reads the spec from ONNX metadata; a model without it cannot be served safely.</summary>
    public static PreprocessingSpec FromMetadata(IReadOnlyDictionary<string, string> metadata)
    {
        string Get(string key) => metadata.TryGetValue(key, out var value)
            ? value
            : throw new InvalidDataException($"The model has no '{key}' metadata entry; prepare or export it with this project.");

        var size = int.Parse(Get(InputSizeKey), CultureInfo.InvariantCulture);
        var order = Get(ChannelOrderKey).ToLowerInvariant() switch
        {
            "bgr" => ChannelOrder.Bgr,
            "rgb" => ChannelOrder.Rgb,
            var other => throw new InvalidDataException($"Unknown channel order '{other}'."),
        };
        var mode = Get(ColourModeKey).ToLowerInvariant() switch
        {
            "gray" or "grey" => ColourMode.Gray,
            "gray-equalised" => ColourMode.GrayEqualised,
            "gray-stretched" => ColourMode.GrayStretched,
            "rgb" => ColourMode.Rgb,
            var other => throw new InvalidDataException($"Unknown colour mode '{other}'."),
        };
        var spec = new PreprocessingSpec(size, order, Split(Get(MeanKey)), Split(Get(StdKey)), mode);
        if (size is < 16 or > 2048 || spec.Mean.Length != 3 || spec.Std.Length != 3 || spec.Std.Any(s => s <= 0))
            throw new InvalidDataException($"Invalid preprocessing metadata: {string.Join(", ", spec.ToMetadata())}.");
        return spec;
    }

    private static string Join(float[] values) =>
        string.Join(',', values.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));

    private static float[] Split(string text) =>
        text.Split(',').Select(v => float.Parse(v, NumberStyles.Float, CultureInfo.InvariantCulture)).ToArray();
}
