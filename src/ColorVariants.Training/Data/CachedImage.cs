namespace ColorVariants.Training.Data;

/// <summary>One image of an <see cref="ImageTensorCache"/>: the catalog row it came from and its labels.</summary>
public sealed record CachedImage(int Line, string Sku, string? Style, string? Category);
