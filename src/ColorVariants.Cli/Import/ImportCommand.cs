using System.ComponentModel;
using System.Diagnostics;
using ColorVariants.Core.Catalog;
using Spectre.Console;
using Spectre.Console.Cli;

namespace ColorVariants.Cli.Import;

/// <summary>colorvariants import &lt;folder&gt; --api &lt;url&gt;: a catalog folder into the service.</summary>
public sealed class ImportCommand : AsyncCommand<ImportCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<folder>")]
        [Description("Catalog folder: catalog.csv and its images (shared/docs/CATALOG-FORMAT.md).")]
        public string Folder { get; init; } = "";

        [CommandOption("--api <url>")]
        [Description("Base URL of the service.")]
        [DefaultValue("http://127.0.0.1:8080")]
        public string Api { get; init; } = "http://127.0.0.1:8080";

        [CommandOption("-c|--concurrency <n>")]
        [Description("Uploads in flight at once.")]
        [DefaultValue(8)]
        public int Concurrency { get; init; } = 8;

        [CommandOption("--api-key <key>")]
        [Description("Value of the X-Api-Key header, when the service wants one (or env COLORVARIANTS_API_KEY).")]
        public string? ApiKey { get; init; }

        public override ValidationResult Validate() =>
            !Directory.Exists(Folder) ? ValidationResult.Error($"No folder {Folder}.")
            : Concurrency is < 1 or > 256 ? ValidationResult.Error("--concurrency is 1 to 256.")
            : !Uri.TryCreate(Api, UriKind.Absolute, out _) ? ValidationResult.Error($"--api {Api} is not an absolute URL.")
            : ValidationResult.Success();
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var catalog = CatalogFolder.Read(settings.Folder);
        AnsiConsole.MarkupLineInterpolated($"Importing [bold]{catalog.Entries.Count}[/] products from {catalog.Root} into {settings.Api}.");

        using var http = new ImportHttp(new Uri(settings.Api));
        var importer = new CatalogImporter(http.Client);
        var options = new ImportOptions
        {
            Concurrency = settings.Concurrency,
            ApiKey = settings.ApiKey ?? Environment.GetEnvironmentVariable("COLORVARIANTS_API_KEY"),
        };

        ImportResult? result = null;
        await AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .StartAsync(async progressContext =>
            {
                var task = progressContext.AddTask("starting", maxValue: Math.Max(1, catalog.Entries.Count + catalog.Problems.Count));
                var clock = Stopwatch.StartNew();
                var progress = new SynchronousProgress<ImportProgress>(p =>
                {
                    task.Value = p.Finished;
                    var rate = p.Finished / Math.Max(clock.Elapsed.TotalSeconds, 1e-3);
                    task.Description = $"done {p.Finished - p.Failed}, failed {p.Failed}, {rate:0.0} images/s";
                });
                result = await importer.ImportAsync(catalog, options, progress, cancellationToken);
            });

        var counts = result!.Counts;
        AnsiConsole.MarkupLineInterpolated(
            $"Created {counts.Created}, replaced {counts.Replaced}, unchanged {counts.Unchanged}, failed {counts.Failed} in {result.Elapsed.TotalSeconds:0.0} s ({(counts.Finished - counts.Failed) / Math.Max(result.Elapsed.TotalSeconds, 1e-3):0.0} images/s).");
        if (result.Failures.Count > 0)
        {
            var table = new Table().AddColumns("line", "sku", "reason").Border(TableBorder.Simple);
            foreach (var failure in result.Failures)
                table.AddRow(failure.Line.ToString(System.Globalization.CultureInfo.InvariantCulture), Markup.Escape(failure.Sku ?? ""), Markup.Escape(failure.Reason));
            AnsiConsole.Write(table);
        }
        return result.Failures.Count == 0 ? 0 : 1;
    }
}
