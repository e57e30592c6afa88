using System.ComponentModel;
using ColorVariants.Training.Trainers;

namespace ColorVariants.Cli.Training;

/// <summary>
/// A `train` option's default, read from the <see cref="TrainingOptions"/> property it sets, so the
/// command line carries no copy of the trainer's defaults. Spectre.Console.Cli takes it as any
/// <see cref="DefaultValueAttribute"/>: shown in --help, bound when the option is left out.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class TrainingDefaultAttribute : DefaultValueAttribute
{
    private static readonly TrainingOptions Defaults = new() { Catalog = "", OutputDirectory = "", Method = "" };

    /// <param name="option">The name of a <see cref="TrainingOptions"/> property.</param>
    public TrainingDefaultAttribute(string option) : base((object?)null) =>
        SetValue((typeof(TrainingOptions).GetProperty(option)
            ?? throw new ArgumentException($"TrainingOptions has no property {option}.", nameof(option))).GetValue(Defaults));
}
