using System.Text;

namespace ColorVariants.Core.Catalog;

/// <summary>An RFC 4180 reader: quoted fields may hold commas, quotes ("") and line breaks.</summary>
public sealed class CsvReader(TextReader reader)
{
    private int _line = 1;

    /// <summary>The next record and the line it starts on; null at the end.</summary>
    public (int Line, List<string> Fields)? Read()
    {
        if (reader.Peek() < 0) return null;
        var start = _line;
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        var fieldStart = true;
        while (true)
        {
            var c = reader.Read();
            if (c < 0)
            {
                fields.Add(field.ToString());
                return (start, fields);
            }
            if (quoted)
            {
                if (c == '"')
                {
                    if (reader.Peek() == '"') { reader.Read(); field.Append('"'); }
                    else quoted = false;
                }
                else
                {
                    if (c == '\n') _line++;
                    field.Append((char)c);
                }
                continue;
            }
            switch (c)
            {
                case '"' when fieldStart:
                    quoted = true;
                    fieldStart = false;
                    break;
                case ',':
                    fields.Add(field.ToString());
                    field.Clear();
                    fieldStart = true;
                    break;
                case '\r' when reader.Peek() == '\n':
                    break;
                case '\n':
                    _line++;
                    fields.Add(field.ToString());
                    return (start, fields);
                default:
                    field.Append((char)c);
                    fieldStart = false;
                    break;
            }
        }
    }
}
