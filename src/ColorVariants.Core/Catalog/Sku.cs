using System.Text.RegularExpressions;

namespace ColorVariants.Core.Catalog;

/// <summary>A product id as CATALOG-FORMAT.md defines it: 1-64 letters, digits, '-', '_' or '.'; leading zeros count.</summary>
public static partial class Sku
{
    public const int MaxLength = 64;
    // \z, not $: in .NET $ also matches before a final newline, and "abc\n" was taken as a sku (issue 9).
    public const string Pattern = @"^[A-Za-z0-9._-]{1,64}\z";

    public static bool IsValid(string? sku) => sku is not null && SkuRegex().IsMatch(sku) && sku is not "." and not "..";

    public static string Describe(string? sku) => sku switch
    {
        null or "" => "The sku is empty.",
        { Length: > MaxLength } => $"The sku has {sku.Length} characters; at most {MaxLength} are allowed.",
        "." or ".." => "The sku cannot be '.' or '..'.",
        _ => $"The sku '{sku}' holds characters other than letters, digits, '-', '_' and '.'.",
    };

    [GeneratedRegex(Pattern, RegexOptions.CultureInvariant)]
    private static partial Regex SkuRegex();
}
