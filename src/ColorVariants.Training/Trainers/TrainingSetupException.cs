namespace ColorVariants.Training.Trainers;

/// <summary>A run that cannot start as asked (options, checkpoint, device, data): the message is meant for the user as it is.</summary>
public sealed class TrainingSetupException(string message) : Exception(message);
