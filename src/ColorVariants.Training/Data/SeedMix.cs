namespace ColorVariants.Training.Data;

/// <summary>Derives an independent, reproducible System.Random seed per (seed, epoch), so any epoch can be replayed alone.</summary>
internal static class SeedMix
{
    public static Random For(int seed, int epoch)
    {
        // SplitMix64 finaliser: nearby (seed, epoch) pairs give unrelated streams.
        var z = unchecked((ulong)(uint)seed << 32 | (uint)epoch) + 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return new Random((int)(z & int.MaxValue));
    }
}
