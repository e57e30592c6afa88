using ColorVariants.Core.Parts;
using ColorVariants.Training.Models;
using static TorchSharp.torch;

namespace ColorVariants.Training.Tests.Models;

public class EmbeddingNetTests
{
    [Fact]
    public void Embedding_net_gives_unit_vectors_of_the_head_size()
    {
        using var net = new EmbeddingNet(new CntkResNet18(seed: 1), new ProjectionHead(seed: 2, hiddenSize: 0, outputSize: 32));
        net.eval();
        using var _ = no_grad();
        using var input = TestInputs.Random(1, 3, 3, 64, 64);
        using var output = net.call(input);

        Assert.Equal([3, 32], output.shape);
        Assert.True(output.norm(1).allclose(ones(3), atol: 1e-5));
        Assert.Single(net.Head.Layers);
    }

    [Fact]
    public void Part_net_gives_per_part_vectors_and_their_normalised_concatenation()
    {
        using var net = new PartEmbeddingNet(new CntkResNet18(seed: 1), PartCrop.Default, inputSize: 64, seed: 4, embeddingSize: 16);
        net.eval();
        using var _ = no_grad();
        using var input = TestInputs.Random(2, 2, 3, 64, 64);
        using var parts = net.call(input);
        using var embedding = net.Embed(input);

        Assert.Equal([3, 2, 16], parts.shape);
        Assert.Equal([2, 48], embedding.shape);
        Assert.Equal(48, net.EmbeddingSize);
        using var expected = cat([parts[0], parts[1], parts[2]], 1) / Math.Sqrt(3);
        Assert.True(embedding.allclose(expected, atol: 1e-6));
        // Different parts see different pixels through different heads.
        Assert.False(parts[1].allclose(parts[2], atol: 1e-3));
        Assert.Throws<ArgumentException>(() => net.Embed(zeros(1, 3, 96, 96)));
    }

    [Fact]
    public void Part_net_refuses_an_input_size_whose_parts_the_backbone_cannot_take()
    {
        using var backbone = new CntkResNet18();
        var error = Assert.Throws<ArgumentException>(() => new PartEmbeddingNet(backbone, PartCrop.Default, inputSize: 224, seed: 0));
        Assert.Contains("top", error.Message);
    }

    [Fact]
    public void Heads_are_deterministic_for_a_seed_and_differ_across_seeds()
    {
        using var a = new ProjectionHead(seed: 7);
        using var b = new ProjectionHead(seed: 7);
        using var c = new ProjectionHead(seed: 8);

        Assert.Equal(2, a.Layers.Count);
        Assert.True(TestInputs.Same(a.Layers[1].weight!, b.Layers[1].weight!));
        Assert.False(TestInputs.Same(a.Layers[1].weight!, c.Layers[1].weight!));
        using var x = new CntkResNet18(seed: 9);
        using var y = new CntkResNet18(seed: 9);
        Assert.True(TestInputs.Same(x.Stem.Conv.weight!, y.Stem.Conv.weight!));
    }

    [Fact]
    public void A_saved_checkpoint_loads_into_a_differently_seeded_net_and_reproduces_it()
    {
        var path = Path.Combine(Path.GetTempPath(), $"cv-checkpoint-{Guid.NewGuid():N}.bin");
        try
        {
            using var input = TestInputs.Random(3, 2, 3, 64, 64);
            using var saved = new PartEmbeddingNet(new CntkResNet18(seed: 1), PartCrop.Default, 64, seed: 1, embeddingSize: 16);
            saved.train();
            saved.call(input).Dispose(); // moves BatchNorm statistics, which the checkpoint must keep too
            saved.eval();
            saved.save(path);
            using var loaded = new PartEmbeddingNet(new CntkResNet18(seed: 2), PartCrop.Default, 64, seed: 2, embeddingSize: 16);
            loaded.eval();
            using var _ = no_grad();
            using var expected = saved.Embed(input);
            using (var before = loaded.Embed(input)) Assert.False(before.allclose(expected, atol: 1e-3));

            loaded.load(path);

            using var after = loaded.Embed(input);
            Assert.True(TestInputs.Same(after, expected));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
