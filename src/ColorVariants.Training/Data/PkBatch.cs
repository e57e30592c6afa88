namespace ColorVariants.Training.Data;

/// <summary>
/// One P x K batch: <see cref="Indices"/> into the dataset, grouped K by K per style (then any hard negatives), and
/// <see cref="Labels"/>, a dense style id per index (equal ids = same style), ready for torch.tensor.
/// </summary>
public sealed record PkBatch(int[] Indices, long[] Labels);
