namespace ColorVariants.Training.Data;

/// <summary>
/// P styles x K images per batch for batch-hard triplet training (Hermans et al. 2017).
/// Only styles with at least two images take part: a style needs a positive.
/// <para>An epoch visits every such style exactly once, in a fresh order: ceil(styles / P) batches,
/// the last one topped up with styles from the start of the same epoch's order so all batches have
/// P distinct styles.</para>
/// <para>A style with fewer than K images contributes all of them and the rest are drawn again
/// with replacement, so every batch has exactly P x K rows (constant tensor shapes) and no image of
/// a small style is skipped. A repeated image is a positive at distance 0, which never becomes the
/// hardest positive while a distinct one exists, and one always does. A style with K or more
/// images gives K distinct ones, drawn afresh each epoch.</para>
/// <para>Hard negatives (reviewers' rejected pairs): after the P x K rows, each member with rejected
/// partners brings one of them (drawn at random) that is not in the batch yet, labelled with its own
/// style or, when it has none to sample, an id no other image has, so batch-hard mining sees the pair.
/// Such batches are longer than P x K.</para>
/// Deterministic: the same (seed, epoch) always gives the same batches.
/// </summary>
public sealed class PkSampler
{
    private readonly int[][] _members;
    private readonly int[][] _partners;
    private readonly long[] _label;
    private readonly int _seed;

    /// <param name="styles">Style of each dataset item (e.g. <see cref="ImageTensorCache.Styles"/>); null = unlabelled, ignored.</param>
    /// <param name="hardNegatives">Pairs of items that must not embed alike (either order).</param>
    public PkSampler(IReadOnlyList<string?> styles, int p, int k, int seed, IEnumerable<(int A, int B)>? hardNegatives = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(p, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 2);
        _members = styles
            .Select((style, index) => (style, index))
            .Where(x => x.style is not null)
            .GroupBy(x => x.style!, StringComparer.Ordinal)
            .Where(g => g.Count() >= 2)
            .OrderBy(g => g.Key, StringComparer.Ordinal) // independent of dataset order quirks
            .Select(g => g.Select(x => x.index).ToArray())
            .ToArray();
        if (_members.Length < p)
            throw new ArgumentException($"Only {_members.Length} styles have two or more images; P = {p} needs at least {p}.", nameof(styles));

        // An image outside every sampled style gets an id past theirs, unique to it.
        _label = Enumerable.Range(0, styles.Count).Select(i => (long)_members.Length + i).ToArray();
        for (var style = 0; style < _members.Length; style++)
            foreach (var member in _members[style]) _label[member] = style;
        var partners = Enumerable.Range(0, styles.Count).Select(_ => new SortedSet<int>()).ToArray();
        foreach (var (a, b) in hardNegatives ?? [])
        {
            if (a == b) throw new ArgumentException($"Item {a} cannot be its own negative.", nameof(hardNegatives));
            partners[a].Add(b);
            partners[b].Add(a);
        }
        _partners = partners.Select(set => set.ToArray()).ToArray();
        P = p;
        K = k;
        _seed = seed;
    }

    public int P { get; }
    public int K { get; }
    public int BatchSize => P * K;
    /// <summary>Styles with at least two images.</summary>
    public int StyleCount => _members.Length;
    public int BatchesPerEpoch => (StyleCount + P - 1) / P;

    public IEnumerable<PkBatch> Epoch(int epoch)
    {
        var random = SeedMix.For(_seed, epoch);
        var order = Enumerable.Range(0, StyleCount).ToArray();
        random.Shuffle(order);
        for (var b = 0; b < BatchesPerEpoch; b++)
        {
            var indices = new int[BatchSize];
            var labels = new long[BatchSize];
            for (var s = 0; s < P; s++)
            {
                // Past the end, wrap to the epoch's first styles: distinct from this batch's because StyleCount >= P.
                var style = order[(b * P + s) % StyleCount];
                FillStyle(random, _members[style], indices.AsSpan(s * K, K));
                labels.AsSpan(s * K, K).Fill(style);
            }
            yield return WithHardNegatives(random, indices, labels);
        }
    }

    private PkBatch WithHardNegatives(Random random, int[] indices, long[] labels)
    {
        var inBatch = new HashSet<int>(indices);
        var extra = new List<int>();
        foreach (var member in indices.Distinct()) // in batch order: deterministic
        {
            if (_partners[member].Length == 0) continue;
            var candidates = _partners[member].Where(partner => !inBatch.Contains(partner)).ToArray();
            if (candidates.Length == 0) continue;
            var partner = candidates[random.Next(candidates.Length)];
            inBatch.Add(partner);
            extra.Add(partner);
        }
        if (extra.Count == 0) return new PkBatch(indices, labels);
        return new PkBatch([.. indices, .. extra], [.. labels, .. extra.Select(i => _label[i])]);
    }

    private void FillStyle(Random random, int[] members, Span<int> destination)
    {
        var shuffled = (int[])members.Clone();
        random.Shuffle(shuffled);
        var take = Math.Min(K, shuffled.Length);
        shuffled.AsSpan(0, take).CopyTo(destination);
        for (var i = take; i < K; i++)
            destination[i] = members[random.Next(members.Length)];
    }
}
