using ColorVariants.Cli.Import;
using ColorVariants.Cli.Training;
using Spectre.Console.Cli;

var app = new CommandApp();
app.Configure(config =>
{
    config.SetApplicationName("colorvariants");
    config.AddCommand<ImportCommand>("import")
        .WithDescription("Import a catalog folder into the service (PUT /products/{sku} per row).")
        .WithExample("import", "../shared/datasets/hm-colour-variants-dev", "--api", "http://127.0.0.1:8080");
    config.AddBranch("train", train =>
    {
        train.SetDescription("Fine-tune CNTK's ImageNet ResNet18 into a colour-blind, design-aware embedding and export it as ONNX.");
        train.AddCommand<TrainTripletCommand>("triplet")
            .WithDescription("Supervised: batch-hard triplets over the catalog's style labels (variants of a style are positives).")
            .WithExample("train", "triplet", "--catalog", "../shared/datasets/hm-colour-variants-dev", "--epochs", "10");
        train.AddCommand<TrainSslCommand>("ssl")
            .WithDescription("Self-supervised, no labels: cvssl (the paper's fixed parts under colour jitter) or the SimCLR baseline.")
            .WithExample("train", "ssl", "--method", "cvssl", "--catalog", "../shared/datasets/hm-colour-variants-dev")
            .WithExample("train", "ssl", "--method", "cvssl", "--split", "validation", "--catalog", "../shared/datasets/hm-colour-variants-dev");
    });
});
return await app.RunAsync(args);
