using ColorVariants.Training.Losses;
using TorchSharp;

namespace ColorVariants.Training.Tests.Losses;

public class MomentumQueueTests
{
    private static torch.Tensor Rows(params float[][] rows) =>
        torch.tensor(rows.SelectMany(r => r).ToArray(), [rows.Length, 2]);

    private static float[] Flat(torch.Tensor t) => t.data<float>().ToArray();

    [Fact]
    public void Keeps_the_newest_normalised_keys_oldest_first()
    {
        using var queue = new MomentumQueue(parts: 2, capacity: 4, dimension: 2);
        using var first = Rows([3, 4], [0, 2], [5, 0]);
        using var second = Rows([0, -1], [-2, 0]);

        queue.Enqueue(0, first);
        Assert.Equal(3, queue.Count(0));
        using (var keys = queue.Keys(0))
            Assert.Equal([0.6f, 0.8f, 0, 1, 1, 0], Flat(keys));

        queue.Enqueue(0, second); // five keys into four places: [3, 4] is dequeued
        Assert.Equal(4, queue.Count(0));
        using (var keys = queue.Keys(0))
            Assert.Equal([0, 1, 1, 0, 0, -1, -1, 0], Flat(keys));

        Assert.Equal(0, queue.Count(1));
        using (var other = queue.Keys(1))
            Assert.Equal(0, other.shape[0]);
    }

    [Fact]
    public void A_batch_larger_than_the_queue_leaves_only_its_newest_keys()
    {
        using var queue = new MomentumQueue(1, capacity: 2, dimension: 2);
        using var keys = Rows([1, 0], [0, 1], [-1, 0]);
        queue.Enqueue(0, keys);
        using var stored = queue.Keys(0);
        Assert.Equal([0, 1, -1, 0], Flat(stored));
    }

    [Fact]
    public void Keys_are_stored_without_their_graph()
    {
        using var queue = new MomentumQueue(1, 4, 2);
        using var keys = torch.ones(2, 2, requires_grad: true);
        using var doubled = keys * 2;
        queue.Enqueue(0, doubled);
        using var stored = queue.Keys(0);
        Assert.False(stored.requires_grad);
    }

    [Fact]
    public void Saved_and_loaded_queue_holds_the_same_keys_and_keeps_its_order()
    {
        using var queue = new MomentumQueue(parts: 2, capacity: 3, dimension: 2);
        using var first = Rows([1, 0], [0, 1]);
        using var second = Rows([-1, 0], [0, -1]);
        queue.Enqueue(0, first);
        queue.Enqueue(0, second); // wrapped: [0, 1] is the oldest
        queue.Enqueue(1, first);
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true)) queue.Save(writer);

        using var loaded = new MomentumQueue(parts: 2, capacity: 3, dimension: 2);
        stream.Position = 0;
        using (var reader = new BinaryReader(stream, System.Text.Encoding.UTF8, leaveOpen: true)) loaded.Load(reader);

        for (var part = 0; part < 2; part++)
        {
            Assert.Equal(queue.Count(part), loaded.Count(part));
            using var expected = queue.Keys(part);
            using var actual = loaded.Keys(part);
            Assert.Equal(Flat(expected), Flat(actual));
        }
        using var third = Rows([3, 4]);
        queue.Enqueue(0, third);
        loaded.Enqueue(0, third);
        using var afterExpected = queue.Keys(0);
        using var afterActual = loaded.Keys(0);
        Assert.Equal([-1, 0, 0, -1, 0.6f, 0.8f], Flat(afterActual));
        Assert.Equal(Flat(afterExpected), Flat(afterActual));

        using var other = new MomentumQueue(parts: 2, capacity: 4, dimension: 2);
        stream.Position = 0;
        using var again = new BinaryReader(stream);
        Assert.Throws<InvalidDataException>(() => other.Load(again));
    }

    [Fact]
    public void A_wrong_width_is_refused()
    {
        using var queue = new MomentumQueue(1, 4, 3);
        using var keys = torch.ones(2, 2);
        Assert.Throws<ArgumentException>(() => queue.Enqueue(0, keys));
    }
}
