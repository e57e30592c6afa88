using ColorVariants.Training.Data;

namespace ColorVariants.Training.Trainers;

/// <summary>The run's seeds, all from <see cref="TrainingOptions.Seed"/>: heads and samplers use it as it is.</summary>
internal static class TrainingSeeds
{
    /// <summary>
    /// Seeds the epoch's augmentation generator: its own stream (the complement of the seed keeps it apart from the
    /// samplers', which mix the seed itself), fresh per epoch, so a resumed epoch draws what it would have drawn.
    /// </summary>
    public static ulong Augmentation(int seed, int epoch) => (ulong)SeedMix.For(~seed, epoch).NextInt64();
}
