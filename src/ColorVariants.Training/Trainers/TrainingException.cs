namespace ColorVariants.Training.Trainers;

/// <summary>
/// A run that cannot start or go on as asked (options, checkpoint, device, data, a diverging loss):
/// the message is meant for the user as it is.
/// </summary>
public sealed class TrainingException(string message) : Exception(message);
