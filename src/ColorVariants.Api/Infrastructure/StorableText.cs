namespace ColorVariants.Api.Infrastructure;

/// <summary>
/// What PostgreSQL can store as text: no U+0000 (text and jsonb refuse it, SQLSTATE 22021 and
/// 22P05, which came back as 500s: issue 9) and no lone UTF-16 surrogate (it has no UTF-8 form;
/// JSON's "\ud800" makes one).
/// </summary>
public static class StorableText
{
    public const string Rule = "may not hold NUL characters (U+0000) or unpaired surrogates";

    public static bool IsStorable(string text) =>
        !text.Contains('\0') && !HasLoneSurrogate(text);

    private static bool HasLoneSurrogate(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) i++;
            else if (char.IsSurrogate(text[i])) return true;
        }
        return false;
    }
}
