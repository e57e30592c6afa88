namespace ColorVariants.Training.Data;

/// <summary>How many of a cache's images are decoded (or found undecodable) out of all it holds.</summary>
public readonly record struct CacheProgress(int Done, int Total);
