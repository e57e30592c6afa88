using ColorVariants.Core.Parts;
using ColorVariants.Training.Models;
using ColorVariants.Training.Trainers;
using static TorchSharp.torch;

namespace ColorVariants.Training.Tests.Trainers;

public class NetworkWeightsTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("cv-weights-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static PartEmbeddingNet Net(long seed) =>
        new(new CntkResNet18(seed), PartCrop.Default, 64, seed, hiddenSize: 32, embeddingSize: 8);

    [Fact]
    public void Weights_and_batchnorm_statistics_round_trip_once_each()
    {
        using var trained = Net(1);
        trained.train();
        using (no_grad())
        using (var batch = TestInputs.Random(3, 4, 3, 64, 64))
            trained.call(batch).Dispose(); // moves the BatchNorm running statistics
        var path = Path.Combine(_directory, "net.bin");

        NetworkWeights.Save(trained, path);
        using var loaded = Net(2);
        NetworkWeights.Load(loaded, path);

        trained.eval();
        loaded.eval();
        using var input = TestInputs.Random(4, 2, 3, 64, 64);
        using var expected = trained.call(input);
        using var actual = loaded.call(input);
        Assert.True(TestInputs.Same(expected, actual));
        // Each tensor once: float32 values plus small headers, not TorchSharp state_dict's four-fold copies.
        var values = trained.parameters().Sum(p => p.numel()) + trained.named_buffers().Sum(b => b.buffer.numel());
        Assert.InRange(new FileInfo(path).Length, 4 * values, 4 * values * 11 / 10);
    }

    [Fact]
    public void Another_architecture_is_refused()
    {
        var path = Path.Combine(_directory, "net.bin");
        using (var net = Net(1)) NetworkWeights.Save(net, path);
        using var wider = new PartEmbeddingNet(new CntkResNet18(1), PartCrop.Default, 64, 1, hiddenSize: 32, embeddingSize: 16);
        using var fewerParts = new PartEmbeddingNet(new CntkResNet18(1), [PartCrop.Default[0]], 64, 1, hiddenSize: 32, embeddingSize: 8);

        Assert.Throws<InvalidDataException>(() => NetworkWeights.Load(wider, path));
        Assert.Throws<InvalidDataException>(() => NetworkWeights.Load(fewerParts, path));
    }
}
