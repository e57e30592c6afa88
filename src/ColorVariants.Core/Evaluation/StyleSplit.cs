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
    public static SplitPart Of(string style)
    {
        var first = SHA1.HashData(Encoding.UTF8.GetBytes(style))[0] >> 4;
        return first < 0xc ? SplitPart.Train : SplitPart.Validation;
    }
}
