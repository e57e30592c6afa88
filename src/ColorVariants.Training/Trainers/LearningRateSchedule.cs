namespace ColorVariants.Training.Trainers;

/// <summary>
/// Linear warm-up over the first 5% of steps (the heads start random; large early updates would
/// wreck the pretrained backbone through them), then cosine decay towards 0. A pure function of the
/// step, so a resumed run needs no scheduler state. Asking a finished run for more epochs stretches the
/// curve over the new total: the continuation starts at the longer schedule's rate, not where the short one ended.
/// </summary>
internal sealed record LearningRateSchedule(int TotalSteps)
{
    public const double WarmupFraction = 0.05;

    public int WarmupSteps => Math.Max(1, (int)Math.Round(TotalSteps * WarmupFraction));

    /// <summary>The multiplier of the base learning rates at 0-based <paramref name="step"/>.</summary>
    public double Factor(int step)
    {
        if (step < WarmupSteps) return (step + 1.0) / WarmupSteps;
        var decaySteps = Math.Max(1, TotalSteps - WarmupSteps);
        var progress = Math.Min(1.0, (step - WarmupSteps) / (double)decaySteps);
        return 0.5 * (1 + Math.Cos(Math.PI * progress));
    }
}
