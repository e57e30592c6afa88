using ColorVariants.Cli.Benchmarks;
using ColorVariants.Cli.Evaluation;
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
    config.AddCommand<EvalCommand>("eval")
        .WithDescription("Retrieval figures (EVALUATION.md: R@1, R@5, R@10, mAP@R; open and same-category) of a model or a baseline.")
        .WithExample("eval", "--baseline", "imagenet-gray", "--catalog", "../shared/datasets/hm-colour-variants-dev")
        .WithExample("eval", "--model", "runs/cvssl/cvssl.onnx", "--catalog", "../shared/datasets/hm-colour-variants-dev", "--split", "validation");
    config.AddCommand<ResultsTableCommand>("results")
        .WithDescription("A Markdown table of the figures that eval --json wrote, one row per file.")
        .WithExample("results", "runs/eval/imagenet-gray.json", "runs/eval/cvssl.json");
    config.AddCommand<SwatchCheckCommand>("swatches")
        .WithDescription("Every image's swatch: how often its name agrees with colour_master, and how close true colour variants' swatches come (CIEDE2000).")
        .WithExample("swatches", "--catalog", "../shared/datasets/hm-colour-variants-dev");
    config.AddBranch("bench", bench =>
    {
        bench.SetDescription("Measure this machine (deploy/bench/ has the database and HTTP load runs).");
        bench.AddCommand<IntakeBenchCommand>("intake")
            .WithDescription("Intake (decode) and model throughput, and the import throughput they allow together.")
            .WithExample("bench", "intake", "--catalog", "../shared/datasets/hm-colour-variants-dev", "--images", "1000", "--json", "intake.json");
        bench.AddCommand<StageCostCommand>("stages")
            .WithDescription("One training step's cost with the first ResNet18 stages frozen and cached, against the whole net trained (issue 21).")
            .WithExample("bench", "stages", "--size", "320", "--batch", "16");
    });
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
