namespace ColorVariants.Training.Data;

/// <summary>What a triplet run made of the reviewers' verdicts (<see cref="LabelGroups"/>); in training.json.</summary>
/// <param name="Confirmed">Confirmed pairs joining their two products' groups.</param>
/// <param name="Rejected">Rejected pairs used as hard negatives.</param>
/// <param name="Groups">Groups of two or more products: what the P x K sampler draws from.</param>
/// <param name="SkippedValidation">Verdicts touching a product of a validation style: never trained on.</param>
/// <param name="SkippedUnknown">Verdicts naming a sku that is not in the catalog.</param>
/// <param name="Conflicts">Rejected pairs whose two products are in one group anyway (by style or confirmed pairs): not used.</param>
public sealed record LabelSummary(int Confirmed, int Rejected, int Groups, int SkippedValidation, int SkippedUnknown, int Conflicts);
