using ColorVariants.Cli.Training;
using ColorVariants.Core.Images;
using ColorVariants.Training.Data;
using ColorVariants.Training.Models;
using ColorVariants.Training.Trainers;
using Spectre.Console.Cli;

namespace ColorVariants.Cli.Tests.Training;

/// <summary>`train` left to its defaults trains with <see cref="TrainingOptions"/>'s, whatever they become.</summary>
public sealed class TrainSettingsTests : IDisposable
{
    private readonly string _catalog = Directory.CreateTempSubdirectory("train-settings-").FullName;

    public void Dispose() => Directory.Delete(_catalog, recursive: true);

    [Fact]
    public void Ssl_with_only_a_catalog_takes_every_default_from_TrainingOptions() =>
        Assert.Equal(Defaults(TrainingMethod.Cvssl), Parse<TrainSslCommand.Settings>(s => s.ToOptions(s.Method)));

    [Fact]
    public void Triplet_with_only_a_catalog_takes_every_default_from_TrainingOptions() =>
        Assert.Equal(Defaults(TrainingMethod.Triplet), Parse<TrainTripletCommand.Settings>(s => s.ToOptions(TrainingMethod.Triplet)));

    [Fact]
    public void A_given_option_still_wins()
    {
        var options = Parse<TrainSslCommand.Settings>(s => s.ToOptions(s.Method), "--epochs", "3", "--colour", "gray");
        Assert.Equal((3, ColourMode.Gray, Defaults(TrainingMethod.Cvssl).BatchSize), (options.Epochs, options.ColourMode, options.BatchSize));
    }

    [Fact]
    public void Triplet_takes_review_labels_and_names_its_run_after_them()
    {
        var labels = ReviewLabels.Parse(new StringReader("sku_a,sku_b,verdict\na-1,a-2,confirmed\n"), "reviews.csv");
        string? source = null;
        var options = Parse<TrainTripletCommand.Settings>(s =>
        {
            source = s.Labels;
            return s.ToOptions(TrainingMethod.Triplet, labels);
        }, "--labels", "reviews.csv", "--labels-only");

        Assert.Equal(("reviews.csv", true), (source, options.LabelsOnly));
        Assert.Same(labels, options.Labels);
        Assert.Equal(Path.Combine("runs", "triplet-labelsonly-128px-e10-s42"), options.OutputDirectory);
        Assert.Equal(Defaults(TrainingMethod.Triplet) with { Labels = labels, LabelsOnly = true, OutputDirectory = options.OutputDirectory }, options);
    }

    private TrainingOptions Defaults(string method)
    {
        var options = new TrainingOptions { Catalog = _catalog, OutputDirectory = "", Method = method };
        return options with { OutputDirectory = TrainingOptions.DefaultOutputDirectory(options.RunName) };
    }

    /// <summary>Parses `train --catalog &lt;folder&gt; [arguments]` as the CLI does, and returns the options it would train with.</summary>
    private TrainingOptions Parse<TSettings>(Func<TSettings, TrainingOptions> toOptions, params string[] arguments) where TSettings : TrainSettings
    {
        TrainingOptions? options = null;
        var app = new CommandApp();
        app.Configure(config =>
        {
            config.PropagateExceptions();
            config.AddCommand<Capture<TSettings>>("train").WithData((Action<TSettings>)(s => options = toOptions(s)));
        });
        Assert.Equal(0, app.Run(["train", "--catalog", _catalog, .. arguments]));
        return options!;
    }

    private sealed class Capture<TSettings> : Command<TSettings> where TSettings : TrainSettings
    {
        public override int Execute(CommandContext context, TSettings settings, CancellationToken cancellationToken)
        {
            ((Action<TSettings>)context.Data!)(settings);
            return 0;
        }
    }
}
