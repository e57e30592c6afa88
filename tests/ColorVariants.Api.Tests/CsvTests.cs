using ColorVariants.Api.Infrastructure;

namespace ColorVariants.Api.Tests;

/// <summary>The CSV exports' cells (Infrastructure Csv, used by /groups/export and /reviews/export).</summary>
public class CsvTests
{
    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("Lee, \"the eye\"", "\"Lee, \"\"the eye\"\"\"")]
    [InlineData("=HYPERLINK(\"http://x\")", "\"'=HYPERLINK(\"\"http://x\"\")\"")] // a formula read as text, then quoted
    [InlineData("+1", "'+1")]
    [InlineData("-sku-1", "'-sku-1")] // a sku may start with '-'
    [InlineData("@SUM(A1)", "'@SUM(A1)")]
    [InlineData("\tx", "'\tx")]
    [InlineData("a-b", "a-b")]
    [InlineData("", "")]
    public void A_cell_is_read_as_text_by_a_spreadsheet(string text, string cell) => Assert.Equal(cell, Csv.Field(text));
}
