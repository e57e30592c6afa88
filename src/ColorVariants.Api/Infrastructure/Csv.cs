namespace ColorVariants.Api.Infrastructure;

/// <summary>The one way the CSV exports write a cell.</summary>
public static class Csv
{
    /// <summary>
    /// A cell a spreadsheet reads as text: one starting with '=', '+', '-', '@', a tab or a carriage
    /// return is a formula to Excel and LibreOffice (OWASP's "CSV injection"), so it is led by a single
    /// quote; one holding a comma, quote or line break is quoted (RFC 4180).
    /// </summary>
    public static string Field(string text)
    {
        if (text.Length > 0 && text[0] is '=' or '+' or '-' or '@' or '\t' or '\r') text = "'" + text;
        return text.AsSpan().IndexOfAny(",\"\r\n") < 0 ? text : $"\"{text.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";
    }
}
