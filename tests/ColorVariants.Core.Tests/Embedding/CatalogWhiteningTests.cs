using ColorVariants.Core.Embedding;

namespace ColorVariants.Core.Tests.Embedding;

public class CatalogWhiteningTests
{
    /// <summary>
    /// A catalog in 8 dimensions: dimension 0 (the "shade") varies a lot between products, the
    /// other seven (the "design") vary little. Positive values only, as pooled features are.
    /// </summary>
    private static List<float[]> Catalog(int count, int seed = 7)
    {
        var random = new Random(seed);
        var vectors = new List<float[]>();
        for (var i = 0; i < count; i++)
        {
            var v = new float[8];
            v[0] = 1f + 9f * random.NextSingle();
            for (var j = 1; j < 8; j++) v[j] = 1f + random.NextSingle();
            vectors.Add(v);
        }
        return vectors;
    }

    private static float Cosine(float[] a, float[] b)
    {
        var (x, y) = ((float[])a.Clone(), (float[])b.Clone());
        VectorMath.Normalize(x);
        VectorMath.Normalize(y);
        return VectorMath.Dot(x, y);
    }

    [Fact]
    public void A_shared_high_variance_direction_stops_deciding_the_nearest_neighbour()
    {
        var whitening = CatalogWhitening.Fit(Catalog(500), new WhiteningOptions(Shrinkage: 0));
        float[] query = [9, 1.2f, 1.8f, 1.2f, 1.8f, 1.2f, 1.8f, 1.2f];
        float[] sameShadeOtherDesign = [9, 1.8f, 1.2f, 1.8f, 1.2f, 1.8f, 1.2f, 1.8f];
        float[] otherShadeSameDesign = [3, 1.2f, 1.8f, 1.2f, 1.8f, 1.2f, 1.8f, 1.2f];

        // Raw cosine: the shade wins, the lookalike is nearer.
        Assert.True(Cosine(query, sameShadeOtherDesign) > Cosine(query, otherShadeSameDesign));

        var (q, lookalike, variant) = (whitening.Apply(query), whitening.Apply(sameShadeOtherDesign), whitening.Apply(otherShadeSameDesign));
        Assert.True(VectorMath.Dot(q, variant) > VectorMath.Dot(q, lookalike));
    }

    /// <summary>
    /// A product as the whitening sees it after its signed square root: the shade an angle in
    /// dimensions 0-1, the design an angle in 2-3, a little texture in 4-7. Squared here, so that the
    /// square root gives these coordinates back.
    /// </summary>
    private static float[] Product(double shade, double design, Random? texture = null)
    {
        var u = new double[8];
        (u[0], u[1], u[2], u[3]) = (Math.Cos(shade), Math.Sin(shade), Math.Cos(design), Math.Sin(design));
        for (var j = 4; j < 8; j++) u[j] = 0.1 + (texture is null ? 0.05 : 0.1 * texture.NextDouble());
        return u.Select(c => (float)(c * c)).ToArray();
    }

    [Fact]
    public void A_learned_whitening_discounts_what_matching_pairs_differ_in()
    {
        // Shade and design vary alike across the catalog, so a catalog whitening cannot tell them
        // apart; the matching pairs (one design in two shades) say which one is shade.
        var random = new Random(11);
        var catalog = new List<float[]>();
        var pairs = new List<(float[], float[])>();
        for (var i = 0; i < 400; i++)
        {
            var (shade, design, otherShade) = (Math.PI / 2 * random.NextDouble(), Math.PI / 2 * random.NextDouble(), Math.PI / 2 * random.NextDouble());
            var textureSeed = random.Next();
            var product = Product(shade, design, new Random(textureSeed));
            catalog.Add(product);
            pairs.Add((product, Product(otherShade, design, new Random(textureSeed))));
        }
        var query = Product(0.2, 0.5);
        var otherShadeSameDesign = Product(1.3, 0.5);
        var sameShadeOtherDesign = Product(0.2, 1.0);

        var catalogWhitening = CatalogWhitening.Fit(catalog);
        var (cq, cv, cl) = (catalogWhitening.Apply(query), catalogWhitening.Apply(otherShadeSameDesign), catalogWhitening.Apply(sameShadeOtherDesign));
        Assert.True(VectorMath.Dot(cq, cl) > VectorMath.Dot(cq, cv)); // the smaller change wins, whatever it is

        var learned = CatalogWhitening.FitLearned(catalog, pairs);
        var (q, variant, lookalike) = (learned.Apply(query), learned.Apply(otherShadeSameDesign), learned.Apply(sameShadeOtherDesign));
        Assert.True(VectorMath.Dot(q, variant) > VectorMath.Dot(q, lookalike), $"{VectorMath.Dot(q, variant)} {VectorMath.Dot(q, lookalike)}");
        Assert.Equal(8, learned.Rank);
        // Stored and read back as any whitening.
        Assert.Equal(q, CatalogWhitening.FromBytes(learned.ToBytes()).Apply(query));
    }

    [Fact]
    public void Without_shrinkage_the_fitted_catalog_comes_out_isotropic()
    {
        var catalog = Catalog(4000);
        var whitening = CatalogWhitening.Fit(catalog, new WhiteningOptions(Shrinkage: 0));
        var outputs = catalog.Select(v => whitening.Apply(v)).ToList();
        // Unit vectors spread evenly over 8 directions: each coordinate's mean square is near 1/8
        // (not exactly: the catalog is uniform, not Gaussian, and normalising bends it a little).
        for (var j = 0; j < 8; j++)
        {
            var meanSquare = outputs.Average(o => (double)o[j] * o[j]);
            Assert.InRange(meanSquare, 0.10, 0.15);
        }
        Assert.All(outputs, o => Assert.Equal(1.0, Math.Round(Math.Sqrt(o.Sum(x => (double)x * x)), 5)));
    }

    [Fact]
    public void Full_whitening_puts_the_shade_axis_on_the_same_footing_as_the_rest()
    {
        // Power 0 only rotates: the shade direction keeps most of the spread.
        var catalog = Catalog(2000);
        double ShareOfFirstAxis(WhiteningOptions options)
        {
            var w = CatalogWhitening.Fit(catalog, options);
            return catalog.Select(v => w.Apply(v)).Average(o => (double)o[0] * o[0]);
        }
        Assert.True(ShareOfFirstAxis(new WhiteningOptions(Power: 0, Shrinkage: 0)) > 0.5);
        Assert.True(ShareOfFirstAxis(new WhiteningOptions(Shrinkage: 0)) < 0.2);
    }

    [Fact]
    public void The_rank_is_bounded_by_the_option_and_the_sample_count()
    {
        var limited = CatalogWhitening.Fit(Catalog(100), new WhiteningOptions(MaxRank: 3));
        Assert.Equal(3, limited.Rank);
        var output = limited.Apply(Catalog(1, seed: 99)[0]);
        Assert.Equal(8, output.Length);
        Assert.All(output[3..], x => Assert.Equal(0f, x));

        var random = new Random(5);
        var wide = Enumerable.Range(0, CatalogWhitening.MinimumSamples)
            .Select(_ => Enumerable.Range(0, 200).Select(_ => random.NextSingle()).ToArray()).ToList();
        Assert.Equal(CatalogWhitening.MinimumSamples - 1, CatalogWhitening.Fit(wide).Rank);
    }

    [Fact]
    public void Directions_the_catalog_does_not_vary_along_are_dropped()
    {
        // 64 vectors but only 13 distinct ones: after centring they span 12 directions.
        var repeated = Enumerable.Range(0, CatalogWhitening.MinimumSamples)
            .Select(i => Enumerable.Range(0, 200).Select(j => (float)((i * 31 + j * 17) % 13 + 1)).ToArray()).ToList();
        Assert.Equal(12, CatalogWhitening.Fit(repeated).Rank);
    }

    [Fact]
    public void A_catalog_with_fewer_vectors_than_dimensions_gets_the_same_whitening_as_with_more()
    {
        // 70 vectors of 100 dimensions take the Gram-matrix route; the same vectors twice (140 > 100)
        // have the same mean and covariance and take the covariance route.
        var random = new Random(11);
        var vectors = Enumerable.Range(0, 70).Select(_ => Enumerable.Range(0, 100).Select(_ => random.NextSingle()).ToArray()).ToList();
        var gram = CatalogWhitening.Fit(vectors);
        var covariance = CatalogWhitening.Fit([.. vectors, .. vectors]);
        Assert.Equal(69, gram.Rank);
        Assert.Equal(gram.Rank, covariance.Rank);
        var probe = Enumerable.Range(0, 100).Select(_ => random.NextSingle()).ToArray();
        Assert.Equal(Rounded(gram.Apply(probe)), Rounded(covariance.Apply(probe)));
    }

    private static double[] Rounded(float[] v) => v.Select(x => Math.Round(x, 4)).ToArray();

    [Fact]
    public void A_head_folded_into_the_whitening_gives_what_applying_both_in_turn_gives()
    {
        var catalog = Catalog(300);
        var whitening = CatalogWhitening.Fit(catalog, new WhiteningOptions(MaxRank: 6));
        var random = new Random(3);
        var head = Enumerable.Range(0, 64).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var composed = whitening.Then(head);

        Assert.Equal(8, composed.Rank); // a head mixes the kept directions into all rows
        foreach (var raw in catalog.Take(20))
        {
            var whitened = whitening.Apply(raw);
            var inTurn = new float[8];
            for (var a = 0; a < 8; a++)
                for (var j = 0; j < 8; j++) inTurn[a] += head[a * 8 + j] * whitened[j];
            VectorMath.Normalize(inTurn);
            Assert.Equal(Rounded(inTurn), Rounded(composed.Apply(raw)));
        }
    }

    [Fact]
    public void The_identity_head_leaves_the_whitening_as_it_was()
    {
        var catalog = Catalog(200);
        var whitening = CatalogWhitening.Fit(catalog);
        var identity = new float[64];
        for (var a = 0; a < 8; a++) identity[a * 8 + a] = 1;

        var composed = whitening.Then(identity);

        foreach (var raw in catalog.Take(20)) Assert.Equal(Rounded(whitening.Apply(raw)), Rounded(composed.Apply(raw)));
        Assert.Throws<ArgumentException>(() => whitening.Then(new float[63]));
    }

    [Fact]
    public void Too_few_vectors_are_refused()
    {
        var error = Assert.Throws<ArgumentException>(() => CatalogWhitening.Fit(Catalog(CatalogWhitening.MinimumSamples - 1)));
        Assert.Contains($"at least {CatalogWhitening.MinimumSamples}", error.Message);
    }

    [Fact]
    public void Stored_bytes_give_back_the_same_whitening_and_a_refit_is_reproducible()
    {
        var catalog = Catalog(300);
        var whitening = CatalogWhitening.Fit(catalog, new WhiteningOptions(MaxRank: 6));
        var restored = CatalogWhitening.FromBytes(whitening.ToBytes());
        Assert.Equal((8, 6, 300), (restored.Dimensions, restored.Rank, restored.SampleCount));
        var probe = Catalog(1, seed: 3)[0];
        Assert.Equal(whitening.Apply(probe), restored.Apply(probe));
        Assert.Equal(whitening.ToBytes(), CatalogWhitening.Fit(catalog, new WhiteningOptions(MaxRank: 6)).ToBytes());
    }

    [Fact]
    public void Damaged_bytes_are_refused()
    {
        var bytes = CatalogWhitening.Fit(Catalog(100)).ToBytes();
        Assert.Throws<InvalidDataException>(() => CatalogWhitening.FromBytes(bytes.AsSpan(0, bytes.Length - 4)));
        bytes[0] ^= 0xff;
        Assert.Throws<InvalidDataException>(() => CatalogWhitening.FromBytes(bytes));
    }

    /// <summary>Two descriptors side by side: the catalog's 8 dimensions, then 5 more of another seed and scale.</summary>
    private static List<float[]> TwoBlocks(int count) =>
        Catalog(count).Zip(Catalog(count, seed: 11), (a, b) => a.Concat(b.Take(5).Select(v => 30 * v)).ToArray()).ToList();

    private static readonly IReadOnlyList<DescriptorBlock> Blocks = DescriptorBlocks.Parse("cnn=8:0.6,structure=5:0.4");

    [Fact]
    public void Blocks_are_whitened_apart_and_their_cosines_weighted()
    {
        var catalog = TwoBlocks(300);
        var fused = CatalogWhitening.Fit(catalog, new WhiteningOptions(Blocks: Blocks));
        var first = CatalogWhitening.Fit(catalog.Select(v => v[..8]).ToList());
        var second = CatalogWhitening.Fit(catalog.Select(v => v[8..]).ToList());

        Assert.Equal((13, 2, 300, 13), (fused.Dimensions, fused.BlockCount, fused.SampleCount, fused.Rank));
        var (a, b) = (catalog[3], catalog[40]);
        var whole = VectorMath.Dot(fused.Apply(a), fused.Apply(b));
        var weighted = 0.6f * VectorMath.Dot(first.Apply(a[..8]), first.Apply(b[..8])) + 0.4f * VectorMath.Dot(second.Apply(a[8..]), second.Apply(b[8..]));
        Assert.Equal(Math.Round(weighted, 4), Math.Round(whole, 4));
        Assert.Equal(1.0, Math.Round(VectorMath.Dot(fused.Apply(a), fused.Apply(a)), 4));
    }

    [Fact]
    public void One_block_is_the_whitening_of_the_whole_vector()
    {
        var catalog = Catalog(200);
        var single = CatalogWhitening.Fit(catalog, new WhiteningOptions(Blocks: DescriptorBlocks.Single(8)));
        Assert.Equal(CatalogWhitening.Fit(catalog).ToBytes(), single.ToBytes());
    }

    [Fact]
    public void A_learned_whitening_learns_block_by_block()
    {
        var catalog = TwoBlocks(300);
        var pairs = Enumerable.Range(0, 40).Select(i => (catalog[i], catalog[i + 100])).ToList();
        var fused = CatalogWhitening.FitLearned(catalog, pairs, new WhiteningOptions(Blocks: Blocks));
        var second = CatalogWhitening.FitLearned(catalog.Select(v => v[8..]).ToList(), pairs.Select(p => (p.Item1[8..], p.Item2[8..])).ToList());
        var scale = MathF.Sqrt(0.4f);
        Assert.Equal(Rounded(second.Apply(catalog[5][8..]).Select(v => v * scale).ToArray()), Rounded(fused.Apply(catalog[5])[8..]));
    }

    [Fact]
    public void Blocks_that_do_not_add_up_are_refused()
    {
        var error = Assert.Throws<ArgumentException>(() => CatalogWhitening.Fit(Catalog(100), new WhiteningOptions(Blocks: Blocks)));
        Assert.Contains("do not add up", error.Message);
    }

    [Fact]
    public void A_stored_fused_whitening_reads_back_and_damage_is_refused()
    {
        var catalog = TwoBlocks(200);
        var fused = CatalogWhitening.Fit(catalog, new WhiteningOptions(Blocks: Blocks));
        var bytes = fused.ToBytes();
        var restored = CatalogWhitening.FromBytes(bytes);
        Assert.Equal((13, 2), (restored.Dimensions, restored.BlockCount));
        Assert.Equal(fused.Apply(catalog[7]), restored.Apply(catalog[7]));
        Assert.Throws<InvalidDataException>(() => CatalogWhitening.FromBytes(bytes.AsSpan(0, bytes.Length - 4)));
        Assert.Throws<InvalidDataException>(() => CatalogWhitening.FromBytes([.. bytes, 0]));
        Assert.Throws<NotSupportedException>(() => fused.Then(new float[169]));
    }
}

public class DescriptorBlocksTests
{
    [Fact]
    public void The_written_form_reads_back_with_weights_summing_to_one()
    {
        var blocks = DescriptorBlocks.Parse("cnn=2304:3,structure=900:2");
        Assert.Equal([("cnn", 2304, 0.6f), ("structure", 900, 0.4f)], blocks.Select(b => (b.Name, b.Length, MathF.Round(b.Weight, 4))));
        Assert.Equal(blocks, DescriptorBlocks.Parse(DescriptorBlocks.Format(blocks)));
    }

    [Fact]
    public void A_model_without_blocks_is_one_block_and_one_whose_blocks_do_not_add_up_is_refused()
    {
        Assert.Equal(DescriptorBlocks.Single(512), DescriptorBlocks.FromMetadata(new Dictionary<string, string>(), 512));
        var metadata = new Dictionary<string, string> { ["colorvariants.blocks"] = "cnn=2304:0.6,structure=900:0.4" };
        Assert.Equal(2, DescriptorBlocks.FromMetadata(metadata, 3204).Count);
        Assert.Throws<InvalidDataException>(() => DescriptorBlocks.FromMetadata(metadata, 2304));
    }

    [Theory]
    [InlineData("")]
    [InlineData("cnn=2304")]
    [InlineData("cnn=0:1")]
    [InlineData("cnn=10:-1")]
    [InlineData("cnn=10:x")]
    public void Bad_text_is_refused(string text) => Assert.Throws<FormatException>(() => DescriptorBlocks.Parse(text));
}
