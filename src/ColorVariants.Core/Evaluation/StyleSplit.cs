using System.Security.Cryptography;
using System.Text;

namespace ColorVariants.Core.Evaluation;

public enum SplitPart { Train, Validation }

/// <summary>
/// EVALUATION.md's split by style: styles whose SHA-1 (of the style string as written) starts
/// with hex digit 0-b train, c-f validate. All variants of a style land on one side.
/// </summary>
public static class StyleSplit
{
    public static SplitPart Of(string style) => Hash(style)[0] < 'c' ? SplitPart.Train : SplitPart.Validation;

    /// <summary>The style's SHA-1 in lower-case hex: the split's key, and an order of styles that knows nothing of the products.</summary>
    public static string Hash(string style) => Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(style)));
}
