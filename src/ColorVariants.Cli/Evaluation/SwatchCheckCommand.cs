using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using ColorVariants.Core.Catalog;
using ColorVariants.Core.Images;
using Spectre.Console;
using Spectre.Console.Cli;

namespace ColorVariants.Cli.Evaluation;

/// <summary>
/// colorvariants swatches: the swatch of every catalog image, checked two ways. How often its
/// name agrees with the catalog's own colour (a `colour_master` column, as H&amp;M's), and how
/// close the swatches of true colour variants (products of one style: different colours by
/// definition) come in CIEDE2000, which is what Variants:SameColourMaxDeltaE must stay under.
/// </summary>
public sealed class SwatchCheckCommand : Command<SwatchCheckCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--catalog <folder>")]
        [Description("Catalog folder (catalog.csv and its images).")]
        public string Catalog { get; init; } = "";

        [CommandOption("--csv <file>")]
        [Description("Also write sku,style,colour,hex,name per product.")]
        public string? Csv { get; init; }

        public override ValidationResult Validate() =>
            string.IsNullOrEmpty(Catalog) ? ValidationResult.Error("--catalog is required.")
            : !Directory.Exists(Catalog) ? ValidationResult.Error($"No folder {Catalog}.")
            : ValidationResult.Success();
    }

    /// <summary>H&amp;M's colour_master values and the palette names that agree with each.</summary>
    private static readonly Dictionary<string, string[]> Agrees = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Black"] = ["black"], ["White"] = ["white"], ["Grey"] = ["grey", "light grey"], ["Blue"] = ["blue", "navy", "light blue"],
        ["Beige"] = ["beige"], ["Pink"] = ["pink"], ["Khaki green"] = ["khaki"], ["Brown"] = ["brown"], ["Orange"] = ["orange"],
        ["Green"] = ["green", "dark green"], ["Red"] = ["red", "burgundy"], ["Yellow"] = ["yellow"], ["Lilac Purple"] = ["lilac", "purple"],
        ["Turquoise"] = ["turquoise"],
    };

    private static readonly double[] Bounds = [1, 2, 3, 4, 5, 6, 8, 10];

    private const int TimedImages = 500;

    /// <summary>Process CPU time, not wall time: on a shared box the wall clock also counts the other jobs' turns.</summary>
    private static double CpuMilliseconds(IReadOnlyList<CatalogEntry> entries, IntakeLimits limits)
    {
        var images = entries.Take(TimedImages).Select(e => ImageIntake.Decode(File.ReadAllBytes(e.ImagePath), limits)).ToList();
        try
        {
            var before = Process.GetCurrentProcess().TotalProcessorTime;
            foreach (var image in images) Swatch.Of(image);
            return (Process.GetCurrentProcess().TotalProcessorTime - before).TotalMilliseconds / Math.Max(1, images.Count);
        }
        finally
        {
            images.ForEach(i => i.Dispose());
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var catalog = CatalogFolder.Read(settings.Catalog);
        var limits = new IntakeLimits();
        var swatches = new Swatch?[catalog.Entries.Count];
        Parallel.For(0, catalog.Entries.Count, new ParallelOptions { CancellationToken = cancellationToken }, i =>
        {
            try
            {
                using var image = ImageIntake.Decode(File.ReadAllBytes(catalog.Entries[i].ImagePath), limits);
                swatches[i] = Swatch.Of(image);
            }
            catch (ImageRejectedException)
            {
                // Counted below as not read.
            }
        });
        var read = catalog.Entries.Select((entry, i) => (Entry: entry, Swatch: swatches[i])).Where(x => x.Swatch is not null)
            .Select(x => (x.Entry, Swatch: x.Swatch!)).ToList();
        AnsiConsole.MarkupLineInterpolated($"{read.Count} of {catalog.Entries.Count} images read from {catalog.Root}.");
        AnsiConsole.MarkupLineInterpolated($"Swatch.Of costs {CpuMilliseconds(catalog.Entries, limits):F2} ms of CPU an image (decode not included; the first {TimedImages} images, decoded first, one thread).");

        var labelled = read.Where(x => x.Entry.Attributes.TryGetValue("colour_master", out var master) && Agrees.ContainsKey(master)).ToList();
        if (labelled.Count > 0)
        {
            var agreeing = labelled.Count(x => Agrees[x.Entry.Attributes["colour_master"]].Contains(x.Swatch.Name));
            AnsiConsole.MarkupLineInterpolated($"Swatch name agrees with colour_master on {agreeing} of {labelled.Count} ({100.0 * agreeing / labelled.Count:F1} %).");
            var table = new Table().AddColumns("colour_master", "products", "agree", "most common swatch names");
            foreach (var master in labelled.GroupBy(x => x.Entry.Attributes["colour_master"]).OrderByDescending(g => g.Count()))
                table.AddRow(master.Key, master.Count().ToString(CultureInfo.InvariantCulture),
                    $"{100.0 * master.Count(x => Agrees[master.Key].Contains(x.Swatch.Name)) / master.Count():F0} %",
                    string.Join(", ", master.GroupBy(x => x.Swatch.Name).OrderByDescending(g => g.Count()).Take(3).Select(g => $"{g.Key} {g.Count()}")));
            AnsiConsole.Write(table);
        }

        // True variants: every pair of products of one style.
        var distances = new List<(double DeltaE, bool SameColourLabel)>();
        foreach (var style in read.Where(x => x.Entry.Style is not null).GroupBy(x => x.Entry.Style))
        {
            var members = style.ToList();
            for (var a = 0; a < members.Count; a++)
                for (var b = a + 1; b < members.Count; b++)
                    distances.Add((members[a].Swatch.Difference(members[b].Swatch),
                        string.Equals(members[a].Entry.Colour, members[b].Entry.Colour, StringComparison.OrdinalIgnoreCase)));
        }
        var pairs = new Table().AddColumns("CIEDE2000 at most", "variant pairs under it", "share", "of them with the same colour label");
        foreach (var bound in Bounds)
        {
            var under = distances.Where(d => d.DeltaE <= bound).ToList();
            pairs.AddRow(bound.ToString(CultureInfo.InvariantCulture), under.Count.ToString(CultureInfo.InvariantCulture),
                $"{100.0 * under.Count / Math.Max(1, distances.Count):F2} %", under.Count(d => d.SameColourLabel).ToString(CultureInfo.InvariantCulture));
        }
        AnsiConsole.MarkupLineInterpolated($"{distances.Count} pairs of products of one style (colour variants: they differ in colour by definition):");
        AnsiConsole.Write(pairs);

        if (settings.Csv is not null)
        {
            using var csv = new StreamWriter(settings.Csv);
            csv.WriteLine("sku,style,colour,hex,name");
            foreach (var (entry, swatch) in read)
                csv.WriteLine($"{entry.Sku},{entry.Style},\"{entry.Colour?.Replace("\"", "\"\"", StringComparison.Ordinal)}\",{swatch.Hex},{swatch.Name}");
        }
        return 0;
    }
}
