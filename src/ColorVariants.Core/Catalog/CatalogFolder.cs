using System.Security.Cryptography;

namespace ColorVariants.Core.Catalog;

/// <summary>One good row of catalog.csv. <see cref="ImagePath"/> is absolute and inside the folder.</summary>
public sealed record CatalogEntry(
    int Line,
    string Sku,
    string ImagePath,
    string? Style,
    string? Category,
    string? Name,
    string? Colour,
    IReadOnlyDictionary<string, string> Attributes);

/// <summary>A row that cannot import, with the line it starts on (the header is line 1).</summary>
public sealed record CatalogProblem(int Line, string? Sku, string Reason);

/// <summary>
/// A catalog folder as shared/docs/CATALOG-FORMAT.md defines it: catalog.csv (columns found by
/// header name, unknown ones kept as attributes) and the images it names.
/// </summary>
public sealed class CatalogFolder
{
    public const string FileName = "catalog.csv";
    private static readonly string[] KnownColumns = ["sku", "image", "style", "category", "name", "colour"];

    private CatalogFolder(string root, List<CatalogEntry> entries, List<CatalogProblem> problems, string fingerprint)
    {
        Root = root;
        Entries = entries;
        Problems = problems;
        Fingerprint = fingerprint;
    }

    public string Root { get; }
    public IReadOnlyList<CatalogEntry> Entries { get; }
    public IReadOnlyList<CatalogProblem> Problems { get; }
    /// <summary>SHA-256 of catalog.csv: names the data a model was trained or measured on.</summary>
    public string Fingerprint { get; }

    /// <param name="checkImagesExist">Report rows whose image file is missing as problems.</param>
    public static CatalogFolder Read(string folder, bool checkImagesExist = true)
    {
        var root = Path.GetFullPath(folder);
        var csvPath = Path.Combine(root, FileName);
        if (!File.Exists(csvPath)) throw new FileNotFoundException($"No {FileName} in {root}.", csvPath);

        var bytes = File.ReadAllBytes(csvPath);
        var fingerprint = Convert.ToHexStringLower(SHA256.HashData(bytes));
        using var text = new StreamReader(new MemoryStream(bytes), detectEncodingFromByteOrderMarks: true);
        var csv = new CsvReader(text);
        var header = csv.Read() ?? throw new InvalidDataException($"{csvPath} is empty.");
        var columns = header.Fields.Select(f => f.Trim().ToLowerInvariant()).ToList();
        int Column(string name) => columns.IndexOf(name);
        if (Column("sku") < 0 || Column("image") < 0)
            throw new InvalidDataException($"{csvPath}: the header must name the columns 'sku' and 'image'.");

        var entries = new List<CatalogEntry>();
        var problems = new List<CatalogProblem>();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        while (csv.Read() is var (line, fields))
        {
            if (fields is [""]) continue; // a blank line
            string? Field(string name)
            {
                var index = Column(name);
                var value = index >= 0 && index < fields.Count ? fields[index].Trim() : null;
                return string.IsNullOrEmpty(value) ? null : value;
            }

            var sku = Field("sku");
            var image = Field("image");
            if (fields.Count != columns.Count)
                problems.Add(new(line, sku, $"The row has {fields.Count} fields; the header has {columns.Count}."));
            else if (sku is null)
                problems.Add(new(line, null, "The sku is missing."));
            else if (!Sku.IsValid(sku))
                problems.Add(new(line, sku, Sku.Describe(sku)));
            else if (seen.TryGetValue(sku, out var first))
                problems.Add(new(line, sku, $"The sku '{sku}' is already on line {first}."));
            else if (image is null)
                problems.Add(new(line, sku, "The image is missing."));
            else if (ResolveInside(root, image) is not { } imagePath)
                problems.Add(new(line, sku, $"The image path '{image}' leads outside the catalog folder."));
            else if (checkImagesExist && !File.Exists(imagePath))
                problems.Add(new(line, sku, $"The image file '{image}' does not exist."));
            else
            {
                var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
                for (var i = 0; i < columns.Count; i++)
                {
                    if (!KnownColumns.Contains(columns[i]) && fields[i].Trim() is { Length: > 0 } value)
                        attributes[header.Fields[i].Trim()] = value;
                }
                entries.Add(new CatalogEntry(line, sku, imagePath, Field("style"), Field("category"), Field("name"), Field("colour"), attributes));
            }
            if (sku is not null) seen.TryAdd(sku, line);
        }
        return new CatalogFolder(root, entries, problems, fingerprint);
    }

    private static string? ResolveInside(string root, string relative)
    {
        if (Path.IsPathRooted(relative)) return null;
        var full = Path.GetFullPath(Path.Combine(root, relative));
        return full.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal) ? full : null;
    }
}
