using System.Buffers.Binary;
using System.Numerics.Tensors;
using MathNet.Numerics.LinearAlgebra;

namespace ColorVariants.Core.Embedding;

/// <summary>How a <see cref="CatalogWhitening"/> is fitted.</summary>
/// <param name="Power">Eigenvalue exponent: -0.5 whitens fully, 0 only rotates (PCA).</param>
/// <param name="Shrinkage">Added to every eigenvalue, as a share of their mean, before the power:
/// keeps the many small, noisy directions of a small catalog from being blown up.</param>
/// <param name="MaxRank">Principal directions kept; the output keeps its dimension, with zeros beyond the rank.</param>
/// <param name="LearnedPower">For a learned whitening: exponent on the catalog's variance along each output direction
/// (0 only rotates, as Radenović et al.; negative evens the directions out again).</param>
/// <param name="Blocks">The model's output layout (<see cref="DescriptorBlocks"/>): with two or more blocks each is
/// fitted by itself with these options and weighted; null or one block: the whole vector as one.</param>
public sealed record WhiteningOptions(double Power = -0.5, double Shrinkage = 0.1, int MaxRank = int.MaxValue, double LearnedPower = 0,
    IReadOnlyList<DescriptorBlock>? Blocks = null)
{
    public static WhiteningOptions Default { get; } = new();
}

/// <summary>
/// Label-free post-processing fitted on a catalog's own vectors (Jégou and Chum, "Negative evidences
/// and co-occurrences in image retrieval", 2012): signed square root, L2, centring on the catalog
/// mean, then PCA-whitening. It evens out the directions every product shares (a white background,
/// a garment's overall lightness) so that what tells designs apart weighs more. Nothing here reads a
/// label, so a shop fits it on its own catalog; the service stores one per model and refits it as
/// the catalog grows. Input and output have the same dimension, so an index never changes shape.
/// </summary>
public sealed class CatalogWhitening
{
    private const uint Magic = 0x31575643; // "CVW1"
    private const uint FusedMagic = 0x42575643; // "CVWB": blocks, each a CVW1
    private readonly float[] _mean;
    private readonly float[] _projection; // Dimensions x Dimensions, row-major; rows past Rank are zero
    private readonly Fused? _fused; // when the model's output has several blocks: one whitening each

    /// <summary>Whitenings of the blocks of a model's output, side by side; each output block is scaled to the square root of its weight.</summary>
    private sealed record Fused(CatalogWhitening[] Parts, float[] Weights, int[] Offsets);

    private CatalogWhitening(int dimensions, int rank, int sampleCount, float[] mean, float[] projection)
    {
        Dimensions = dimensions;
        Rank = rank;
        SampleCount = sampleCount;
        _mean = mean;
        _projection = projection;
    }

    private CatalogWhitening(Fused fused)
    {
        _fused = fused;
        _mean = [];
        _projection = [];
        Dimensions = fused.Parts.Sum(p => p.Dimensions);
        Rank = fused.Parts.Sum(p => p.Rank);
        SampleCount = fused.Parts[0].SampleCount;
    }

    public int Dimensions { get; }
    /// <summary>How many blocks are whitened apart (1: the whole vector as one).</summary>
    public int BlockCount => _fused?.Parts.Length ?? 1;
    /// <summary>Principal directions kept.</summary>
    public int Rank { get; }
    /// <summary>How many vectors it was fitted on.</summary>
    public int SampleCount { get; }

    /// <summary>Fewer vectors than this give no stable covariance; serve the raw vectors until then.</summary>
    public const int MinimumSamples = 64;

    /// <summary>Fits on raw model vectors (each of the same dimension; they need not be normalised).</summary>
    public static CatalogWhitening Fit(IReadOnlyList<float[]> vectors, WhiteningOptions? options = null)
    {
        options ??= WhiteningOptions.Default;
        if (vectors.Count < MinimumSamples)
            throw new ArgumentException($"A whitening needs at least {MinimumSamples} vectors, got {vectors.Count}.", nameof(vectors));
        if (options.Blocks is { Count: > 1 } blocks)
            return OfBlocks(blocks, vectors[0].Length, (offset, length) => Fit(Slices(vectors, offset, length), options with { Blocks = null }));
        var d = vectors[0].Length;
        var n = vectors.Count;

        var (x, mean) = CentredRows(vectors);

        var (eigenvalues, eigenvectors) = n < d ? GramEigen(x) : CovarianceEigen(x);
        // The mean over all d eigenvalues (the covariance's trace / d), zeros of a small catalog included.
        var shrink = options.Shrinkage * eigenvalues.Sum() / d;
        var largest = eigenvalues.Length > 0 ? eigenvalues[0] : 0;
        // Directions the catalog does not vary along carry no evidence: they are dropped, not blown up.
        var rank = Math.Min(Math.Min(options.MaxRank, d), eigenvalues.Count(v => v > largest * 1e-10));
        var projection = new float[d * d];
        for (var a = 0; a < rank; a++)
        {
            var scale = Math.Pow(eigenvalues[a] + shrink, options.Power);
            var v = eigenvectors[a];
            // An eigenvector's sign is arbitrary; fixing it makes a refit on the same data give the same numbers.
            var sign = 1.0;
            for (var j = 0; j < d; j++)
            {
                if (Math.Abs(v[j]) > 1e-12) { sign = Math.Sign(v[j]); break; }
            }
            for (var j = 0; j < d; j++) projection[a * d + j] = (float)(sign * scale * v[j]);
        }
        return new CatalogWhitening(d, rank, n, mean.Select(v => (float)v).ToArray(), projection);
    }

    /// <summary>
    /// Learned whitening (Radenović, Tolias and Chum, "Fine-tuning CNN image retrieval with no human
    /// annotation", 2018): whitens by how <paramref name="matching"/> pairs (two views of one design:
    /// labelled colour variants, or a product and a recoloured copy of it) differ, then rotates to the
    /// directions along which the catalog's <paramref name="vectors"/> still vary most. Where variants
    /// of one design differ (shade, the contrast of a print) weighs little; what tells designs apart
    /// weighs much. Stored and applied as any other whitening.
    /// </summary>
    public static CatalogWhitening FitLearned(IReadOnlyList<float[]> vectors, IReadOnlyList<(float[] A, float[] B)> matching, WhiteningOptions? options = null)
    {
        options ??= WhiteningOptions.Default;
        if (vectors.Count < MinimumSamples)
            throw new ArgumentException($"A whitening needs at least {MinimumSamples} vectors, got {vectors.Count}.", nameof(vectors));
        if (matching.Count < 1) throw new ArgumentException("A learned whitening needs at least one matching pair.", nameof(matching));
        if (options.Blocks is { Count: > 1 } blocks)
            return OfBlocks(blocks, vectors[0].Length, (offset, length) => FitLearned(Slices(vectors, offset, length),
                matching.Select(p => (p.A.AsSpan(offset, length).ToArray(), p.B.AsSpan(offset, length).ToArray())).ToList(), options with { Blocks = null }));
        var d = vectors[0].Length;
        var n = vectors.Count;
        var (x, mean) = CentredRows(vectors);

        // How matching pairs differ: the covariance of their differences (no centring: a difference's sign is arbitrary).
        var differences = Matrix<double>.Build.Dense(matching.Count, d);
        var row = new float[d];
        var other = new float[d];
        for (var p = 0; p < matching.Count; p++)
        {
            var (a, b) = matching[p];
            if (a.Length != d || b.Length != d) throw new ArgumentException($"Pair {p} does not have {d} dimensions.", nameof(matching));
            SignedSqrtNormalised(a, row);
            SignedSqrtNormalised(b, other);
            for (var j = 0; j < d; j++) differences[p, j] = row[j] - other[j];
        }
        var (within, withinVectors) = matching.Count < d ? GramEigen(differences) : CovarianceEigen(differences);
        // Directions no pair differs along get the shrinkage alone: the mean eigenvalue's share, as for the catalog whitening.
        var shrink = options.Shrinkage * within.Sum() / d + 1e-12;
        var pairRank = within.Count(v => v > within[0] * 1e-10);
        var basis = Matrix<double>.Build.Dense(d, pairRank);
        for (var k = 0; k < pairRank; k++)
            for (var j = 0; j < d; j++) basis[j, k] = withinVectors[k][j];
        // Inside the pairs' span: 1/sqrt(s + shrink); outside it: 1/sqrt(shrink).
        var inside = Matrix<double>.Build.Dense(pairRank, pairRank);
        for (var k = 0; k < pairRank; k++) inside[k, k] = Math.Pow(within[k] + shrink, -0.5) - Math.Pow(shrink, -0.5);
        var w1 = basis * inside * basis.Transpose() + Matrix<double>.Build.DenseIdentity(d) * Math.Pow(shrink, -0.5); // (C_S + shrink)^-1/2, symmetric

        // The catalog seen through it; its principal directions order the output.
        var y = x * w1; // w1 is symmetric
        var (between, rotation) = n < d ? GramEigen(y) : CovarianceEigen(y);
        var largest = between.Length > 0 ? between[0] : 0;
        var rank = Math.Min(Math.Min(options.MaxRank, d), between.Count(v => v > largest * 1e-10));
        var rotated = Matrix<double>.Build.Dense(d, rank);
        for (var a = 0; a < rank; a++)
        {
            var sign = 1.0; // as in Fit: a fixed sign, so a refit on the same data gives the same numbers
            for (var j = 0; j < d; j++)
            {
                if (Math.Abs(rotation[a][j]) > 1e-12) { sign = Math.Sign(rotation[a][j]); break; }
            }
            var scale = sign * Math.Pow(between[a] / largest, options.LearnedPower);
            for (var j = 0; j < d; j++) rotated[j, a] = scale * rotation[a][j];
        }
        var directions = w1 * rotated; // column a: output direction a in the input's coordinates
        var projection = new float[d * d];
        for (var a = 0; a < rank; a++)
            for (var j = 0; j < d; j++) projection[a * d + j] = (float)directions[j, a];
        // Rows scaled to unit norm overall: the cosine does not care, the half-precision index does.
        var norm = Math.Sqrt(projection.Sum(v => (double)v * v) / Math.Max(1, rank));
        if (norm > 0) for (var k = 0; k < projection.Length; k++) projection[k] = (float)(projection[k] / norm);
        return new CatalogWhitening(d, rank, n, mean.Select(v => (float)v).ToArray(), projection);
    }

    /// <summary>One whitening per block, fitted by <paramref name="fit"/>(offset, length).</summary>
    private static CatalogWhitening OfBlocks(IReadOnlyList<DescriptorBlock> blocks, int dimensions, Func<int, int, CatalogWhitening> fit)
    {
        if (blocks.Sum(b => b.Length) != dimensions)
            throw new ArgumentException($"The blocks ({DescriptorBlocks.Format(blocks)}) do not add up to the vectors' {dimensions} dimensions.");
        var offsets = new int[blocks.Count];
        for (var i = 1; i < blocks.Count; i++) offsets[i] = offsets[i - 1] + blocks[i - 1].Length;
        var parts = blocks.Select((b, i) => fit(offsets[i], b.Length)).ToArray();
        var total = blocks.Sum(b => b.Weight);
        return new CatalogWhitening(new Fused(parts, blocks.Select(b => b.Weight / total).ToArray(), offsets));
    }

    private static List<float[]> Slices(IReadOnlyList<float[]> vectors, int offset, int length) =>
        vectors.Select(v => v.AsSpan(offset, length).ToArray()).ToList();

    /// <summary>The vectors after the same first steps Apply takes (signed square root, L2) as rows, centred on their mean.</summary>
    private static (Matrix<double> Rows, Vector<double> Mean) CentredRows(IReadOnlyList<float[]> vectors)
    {
        var (n, d) = (vectors.Count, vectors[0].Length);
        var x = Matrix<double>.Build.Dense(n, d);
        var row = new float[d];
        for (var i = 0; i < n; i++)
        {
            if (vectors[i].Length != d) throw new ArgumentException($"Vector {i} has {vectors[i].Length} dimensions, not {d}.", nameof(vectors));
            SignedSqrtNormalised(vectors[i], row);
            for (var j = 0; j < d; j++) x[i, j] = row[j];
        }
        var mean = x.ColumnSums() / n;
        for (var i = 0; i < n; i++)
            for (var j = 0; j < d; j++) x[i, j] -= mean[j];
        return (x, mean);
    }

    /// <summary>Eigenpairs of the covariance of the centred rows, largest first: a d x d decomposition.</summary>
    private static (double[] Values, double[][] Vectors) CovarianceEigen(Matrix<double> centred)
    {
        var evd = (centred.TransposeThisAndMultiply(centred) / centred.RowCount).Evd(Symmetricity.Symmetric);
        return Sorted(evd, k => evd.EigenVectors.Column(k).ToArray());
    }

    /// <summary>
    /// The same eigenpairs from the n x n Gram matrix when the catalog has fewer vectors than
    /// dimensions: X Xt / n shares the covariance's non-zero eigenvalues, and Xt u / sqrt(n lambda) is
    /// the covariance's unit eigenvector. A 700-product catalog of 2,304-d vectors then costs a
    /// 700 x 700 decomposition instead of a 2,304 x 2,304 one (the cost is cubic).
    /// </summary>
    private static (double[] Values, double[][] Vectors) GramEigen(Matrix<double> centred)
    {
        var n = centred.RowCount;
        var evd = (centred.TransposeAndMultiply(centred) / n).Evd(Symmetricity.Symmetric);
        return Sorted(evd, k =>
        {
            var lambda = Math.Max(evd.EigenValues[k].Real, 0);
            var v = centred.TransposeThisAndMultiply(evd.EigenVectors.Column(k));
            return lambda > 0 ? (v / Math.Sqrt(n * lambda)).ToArray() : new double[centred.ColumnCount];
        });
    }

    private static (double[] Values, double[][] Vectors) Sorted(MathNet.Numerics.LinearAlgebra.Factorization.Evd<double> evd, Func<int, double[]> vector)
    {
        var values = evd.EigenValues.Select(v => Math.Max(v.Real, 0)).ToArray();
        var order = Enumerable.Range(0, values.Length).OrderByDescending(k => values[k]).ThenBy(k => k).ToArray();
        return (order.Select(k => values[k]).ToArray(), order.Select(vector).ToArray());
    }

    /// <summary>Writes the whitened, L2-normalised vector of <paramref name="raw"/> into <paramref name="destination"/>.</summary>
    public void Apply(ReadOnlySpan<float> raw, Span<float> destination)
    {
        if (raw.Length != Dimensions || destination.Length != Dimensions)
            throw new ArgumentException($"Expected {Dimensions} dimensions, got {raw.Length} and {destination.Length}.");
        if (_fused is { } fused)
        {
            // Each block unit-length, times the square root of its weight: the cosine is the weighted sum of the blocks'.
            for (var i = 0; i < fused.Parts.Length; i++)
            {
                var part = fused.Parts[i];
                var output = destination.Slice(fused.Offsets[i], part.Dimensions);
                part.Apply(raw.Slice(fused.Offsets[i], part.Dimensions), output);
                TensorPrimitives.Multiply(output, MathF.Sqrt(fused.Weights[i]), output);
            }
            return;
        }
        Span<float> centred = Dimensions <= 4096 ? stackalloc float[Dimensions] : new float[Dimensions];
        SignedSqrtNormalised(raw, centred);
        TensorPrimitives.Subtract(centred, _mean, centred);
        var projection = _projection.AsSpan();
        for (var a = 0; a < Rank; a++)
            destination[a] = TensorPrimitives.Dot(projection.Slice(a * Dimensions, Dimensions), centred);
        destination[Rank..].Clear();
        VectorMath.Normalize(destination);
    }

    public float[] Apply(ReadOnlySpan<float> raw)
    {
        var result = new float[Dimensions];
        Apply(raw, result);
        return result;
    }

    private static void SignedSqrtNormalised(ReadOnlySpan<float> raw, Span<float> destination)
    {
        for (var j = 0; j < raw.Length; j++) destination[j] = MathF.CopySign(MathF.Sqrt(MathF.Abs(raw[j])), raw[j]);
        VectorMath.Normalize(destination);
    }

    /// <summary>
    /// This whitening followed by a linear map <paramref name="head"/> (row-major d x d, e.g. a trained
    /// metric head): one whitening whose output is normalize(head . Apply(raw)). The output
    /// normalisation makes the two one projection, so storage and serving stay as they are.
    /// </summary>
    public CatalogWhitening Then(ReadOnlySpan<float> head)
    {
        if (_fused is not null) throw new NotSupportedException("A head is folded into a whitening of one block only.");
        var d = Dimensions;
        if (head.Length != d * d) throw new ArgumentException($"A head for {d} dimensions has {d * d} entries, not {head.Length}.", nameof(head));
        // MathNet stores column-major: a row-major array read as one is the transpose, and (H P)^T = P^T H^T.
        var ht = Matrix<float>.Build.Dense(d, d, head.ToArray());
        var pt = Matrix<float>.Build.Dense(d, d, (float[])_projection.Clone());
        var composed = (pt * ht).ToColumnMajorArray();
        // Rows scaled to unit norm overall, as FitLearned does: the cosine does not care, the half-precision index does.
        var norm = Math.Sqrt(composed.Sum(v => (double)v * v) / d);
        if (norm > 0) for (var k = 0; k < composed.Length; k++) composed[k] = (float)(composed[k] / norm);
        return new CatalogWhitening(d, d, SampleCount, (float[])_mean.Clone(), composed);
    }

    /// <summary>A compact binary form (little-endian; only the kept rows of the projection), for storage.</summary>
    public byte[] ToBytes()
    {
        if (_fused is { } fused)
        {
            // "CVWB", the block count, then per block its weight, its length in bytes and its own CVW1 form.
            var parts = fused.Parts.Select(p => p.ToBytes()).ToArray();
            var result = new byte[8 + parts.Sum(p => 8 + p.Length)];
            var at = result.AsSpan();
            BinaryPrimitives.WriteUInt32LittleEndian(at, FusedMagic);
            BinaryPrimitives.WriteInt32LittleEndian(at[4..], parts.Length);
            var position = 8;
            for (var i = 0; i < parts.Length; i++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(at[position..], fused.Weights[i]);
                BinaryPrimitives.WriteInt32LittleEndian(at[(position + 4)..], parts[i].Length);
                parts[i].CopyTo(at[(position + 8)..]);
                position += 8 + parts[i].Length;
            }
            return result;
        }
        var floats = Dimensions + Rank * Dimensions;
        var bytes = new byte[16 + 4 * floats];
        var span = bytes.AsSpan();
        BinaryPrimitives.WriteUInt32LittleEndian(span, Magic);
        BinaryPrimitives.WriteInt32LittleEndian(span[4..], Dimensions);
        BinaryPrimitives.WriteInt32LittleEndian(span[8..], Rank);
        BinaryPrimitives.WriteInt32LittleEndian(span[12..], SampleCount);
        var offset = 16;
        foreach (var value in _mean.Concat(_projection.Take(Rank * Dimensions)))
        {
            BinaryPrimitives.WriteSingleLittleEndian(span[offset..], value);
            offset += 4;
        }
        return bytes;
    }

    public static CatalogWhitening FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length >= 8 && BinaryPrimitives.ReadUInt32LittleEndian(bytes) == FusedMagic)
        {
            var count = BinaryPrimitives.ReadInt32LittleEndian(bytes[4..]);
            if (count is < 2 or > 16) throw new InvalidDataException($"A stored whitening of {count} blocks.");
            var parts = new CatalogWhitening[count];
            var weights = new float[count];
            var offsets = new int[count];
            var position = 8;
            for (var i = 0; i < count; i++)
            {
                if (bytes.Length < position + 8) throw new InvalidDataException("A stored whitening cut short.");
                weights[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[position..]);
                var length = BinaryPrimitives.ReadInt32LittleEndian(bytes[(position + 4)..]);
                if (length < 16 || bytes.Length < position + 8L + length) throw new InvalidDataException("A stored whitening cut short.");
                parts[i] = FromBytes(bytes.Slice(position + 8, length));
                if (parts[i]._fused is not null) throw new InvalidDataException("A stored whitening nests blocks.");
                if (i > 0) offsets[i] = offsets[i - 1] + parts[i - 1].Dimensions;
                position += 8 + length;
            }
            if (position != bytes.Length) throw new InvalidDataException("A stored whitening with bytes after its blocks.");
            return new CatalogWhitening(new Fused(parts, weights, offsets));
        }
        if (bytes.Length < 16 || BinaryPrimitives.ReadUInt32LittleEndian(bytes) != Magic)
            throw new InvalidDataException("Not a stored whitening.");
        var d = BinaryPrimitives.ReadInt32LittleEndian(bytes[4..]);
        var rank = BinaryPrimitives.ReadInt32LittleEndian(bytes[8..]);
        var samples = BinaryPrimitives.ReadInt32LittleEndian(bytes[12..]);
        if (d < 1 || rank < 0 || rank > d || bytes.Length != 16 + 4L * (d + (long)rank * d))
            throw new InvalidDataException($"A stored whitening of {bytes.Length} bytes does not match its header ({d} dimensions, rank {rank}).");
        var mean = new float[d];
        var projection = new float[d * d];
        var offset = 16;
        for (var j = 0; j < d; j++, offset += 4) mean[j] = BinaryPrimitives.ReadSingleLittleEndian(bytes[offset..]);
        for (var k = 0; k < rank * d; k++, offset += 4) projection[k] = BinaryPrimitives.ReadSingleLittleEndian(bytes[offset..]);
        return new CatalogWhitening(d, rank, samples, mean, projection);
    }
}
