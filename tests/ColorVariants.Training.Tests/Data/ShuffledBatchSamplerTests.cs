using ColorVariants.Training.Data;

namespace ColorVariants.Training.Tests.Data;

public class ShuffledBatchSamplerTests
{
    [Fact]
    public void Dropping_the_last_batch_gives_full_batches_of_distinct_items()
    {
        var sampler = new ShuffledBatchSampler(count: 10, batchSize: 3, seed: 5);
        var batches = sampler.Epoch(0).ToArray();

        Assert.Equal(3, sampler.BatchesPerEpoch);
        Assert.Equal(3, batches.Length);
        Assert.All(batches, b => Assert.Equal(3, b.Length));
        var all = batches.SelectMany(b => b).ToArray();
        Assert.Equal(9, all.Distinct().Count());
        Assert.All(all, i => Assert.InRange(i, 0, 9));
    }

    [Fact]
    public void Keeping_the_last_batch_covers_every_item_once()
    {
        var sampler = new ShuffledBatchSampler(count: 10, batchSize: 3, seed: 5, dropLast: false);
        var batches = sampler.Epoch(2).ToArray();

        Assert.Equal(4, batches.Length);
        Assert.Single(batches[^1]);
        Assert.Equal(Enumerable.Range(0, 10), batches.SelectMany(b => b).Order());
    }

    [Fact]
    public void The_order_is_fixed_by_seed_and_epoch()
    {
        static string Of(ShuffledBatchSampler s, int epoch) => string.Join('|', s.Epoch(epoch).Select(b => string.Join(',', b)));
        var one = new ShuffledBatchSampler(20, 4, seed: 9);

        Assert.Equal(Of(one, 1), Of(new ShuffledBatchSampler(20, 4, seed: 9), 1));
        Assert.NotEqual(Of(one, 1), Of(one, 2));
        Assert.NotEqual(Of(one, 1), Of(new ShuffledBatchSampler(20, 4, seed: 10), 1));
        Assert.NotEqual(string.Join(',', Enumerable.Range(0, 20)), Of(one, 1).Replace('|', ','));
    }
}
