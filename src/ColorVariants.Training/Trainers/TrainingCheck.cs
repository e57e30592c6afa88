using ColorVariants.Training.Data;

namespace ColorVariants.Training.Trainers;

/// <summary>What <see cref="Trainer.Check"/> found: the checkpoint a run would continue from (null: a fresh start) and what it makes of the review labels.</summary>
public sealed record TrainingCheck(ResumePoint? Resume, LabelSummary? Labels);
