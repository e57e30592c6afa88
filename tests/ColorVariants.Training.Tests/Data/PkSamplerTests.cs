using ColorVariants.Training.Data;

namespace ColorVariants.Training.Tests.Data;

public class PkSamplerTests
{
    // a: 5 images, b: 2, c: 3, d: 1 (no positive), e: 4, f: 2, and unlabelled rows.
    private static readonly string?[] Styles =
        ["a", "b", "a", "c", null, "a", "d", "e", "b", "c", "e", "a", "f", null, "e", "c", "a", "e", "f"];

    private static string Signature(IEnumerable<PkBatch> batches) =>
        string.Join('|', batches.Select(b => string.Join(',', b.Indices)));

    [Fact]
    public void Every_batch_holds_P_distinct_styles_with_K_images_each()
    {
        var sampler = new PkSampler(Styles, p: 2, k: 3, seed: 7);
        Assert.Equal(5, sampler.StyleCount);
        Assert.Equal(3, sampler.BatchesPerEpoch);

        foreach (var batch in sampler.Epoch(0))
        {
            Assert.Equal(6, batch.Indices.Length);
            Assert.Equal(6, batch.Labels.Length);
            var groups = batch.Indices.Chunk(3).ToArray();
            var groupStyles = groups.Select(g => Assert.Single(g.Select(i => Styles[i]).Distinct())).ToArray();
            Assert.Equal(2, groupStyles.Distinct().Count());
            for (var g = 0; g < 2; g++)
            {
                var members = Enumerable.Range(0, Styles.Length).Where(i => Styles[i] == groupStyles[g]).ToArray();
                // K distinct images when the style has K; otherwise all of them, topped up with repeats.
                if (members.Length >= 3) Assert.Equal(3, groups[g].Distinct().Count());
                else Assert.Equal(members, groups[g].Distinct().Order());
                Assert.Single(batch.Labels.Skip(3 * g).Take(3).Distinct());
            }
            Assert.NotEqual(batch.Labels[0], batch.Labels[3]);
        }
    }

    [Fact]
    public void Every_style_with_a_positive_comes_every_epoch_and_no_other_does()
    {
        var sampler = new PkSampler(Styles, p: 2, k: 2, seed: 3);
        for (var epoch = 0; epoch < 4; epoch++)
        {
            var seen = sampler.Epoch(epoch).SelectMany(b => b.Indices).Select(i => Styles[i]).Distinct().Order();
            Assert.Equal(["a", "b", "c", "e", "f"], seen);
        }
    }

    [Fact]
    public void Labels_are_stable_dense_ids_of_the_style()
    {
        var sampler = new PkSampler(Styles, p: 3, k: 2, seed: 1);
        var idOf = new Dictionary<string, long>();
        foreach (var batch in Enumerable.Range(0, 3).SelectMany(sampler.Epoch))
            for (var i = 0; i < batch.Indices.Length; i++)
            {
                var style = Styles[batch.Indices[i]]!;
                if (idOf.TryGetValue(style, out var id)) Assert.Equal(id, batch.Labels[i]);
                else idOf[style] = batch.Labels[i];
            }
        Assert.Equal(5, idOf.Values.Distinct().Count());
        Assert.All(idOf.Values, id => Assert.InRange(id, 0, 4));
    }

    [Fact]
    public void The_same_seed_and_epoch_give_the_same_batches_and_others_differ()
    {
        var one = new PkSampler(Styles, 2, 3, seed: 11);
        var two = new PkSampler(Styles, 2, 3, seed: 11);
        var other = new PkSampler(Styles, 2, 3, seed: 12);

        Assert.Equal(Signature(one.Epoch(4)), Signature(two.Epoch(4)));
        Assert.NotEqual(Signature(one.Epoch(4)), Signature(one.Epoch(5)));
        Assert.NotEqual(Signature(one.Epoch(4)), Signature(other.Epoch(4)));
    }

    [Fact]
    public void A_rejected_partner_of_a_batch_member_joins_the_batch_with_its_own_label()
    {
        // a = 0, b = 1, c = 2 (dense ids in style order); 6 has no style and 7's style has no positive: ids 3 + index.
        string?[] styles = ["a", "a", "b", "b", "c", "c", null, "d"];
        (int, int)[] rejected = [(0, 6), (7, 1), (2, 4)];
        var partnerOf = new Dictionary<int, int> { [0] = 6, [6] = 0, [1] = 7, [7] = 1, [2] = 4, [4] = 2 };
        var labelOf = new Dictionary<int, long> { [0] = 0, [1] = 0, [2] = 1, [3] = 1, [4] = 2, [5] = 2, [6] = 9, [7] = 10 };
        var sampler = new PkSampler(styles, p: 2, k: 2, seed: 5, rejected);

        var extras = 0;
        for (var epoch = 0; epoch < 4; epoch++)
        {
            foreach (var batch in sampler.Epoch(epoch))
            {
                var pk = batch.Indices[..4];
                var expected = new List<int>();
                foreach (var member in pk)
                    if (partnerOf.TryGetValue(member, out var partner) && !pk.Contains(partner) && !expected.Contains(partner)) expected.Add(partner);
                Assert.Equal(expected, batch.Indices[4..]);
                Assert.Equal(batch.Indices.Select(i => labelOf[i]), batch.Labels);
                extras += expected.Count;
            }
        }
        Assert.True(extras > 0);
        Assert.Equal(Signature(sampler.Epoch(2)), Signature(new PkSampler(styles, 2, 2, seed: 5, rejected).Epoch(2)));
    }

    [Fact]
    public void Too_few_styles_with_positives_for_P_is_refused()
    {
        Assert.Throws<ArgumentException>(() => new PkSampler(["a", "a", "b", "c", null], p: 2, k: 2, seed: 0));
    }
}
