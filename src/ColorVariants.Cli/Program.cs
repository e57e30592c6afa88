using ColorVariants.Cli.Import;
using Spectre.Console.Cli;

var app = new CommandApp();
app.Configure(config =>
{
    config.SetApplicationName("colorvariants");
    config.AddCommand<ImportCommand>("import")
        .WithDescription("Import a catalog folder into the service (PUT /products/{sku} per row).")
        .WithExample("import", "../shared/datasets/hm-colour-variants-dev", "--api", "http://127.0.0.1:8080");
});
return await app.RunAsync(args);
