using ColorVariants.Training.Models;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ColorVariants.Training.Tests.Models;

public class FreezeTests
{
    private static IEnumerable<BatchNorm2d> Norms(CntkResNet18 network, int stage) =>
        (stage == 0 ? [network.Stem] : network.Layers[stage - 1].SelectMany(b => b.ConvBatchNorms)).Select(c => c.Norm);

    private static IEnumerable<TorchSharp.Modules.Parameter> Parameters(CntkResNet18 network, int stage) =>
        stage == 0 ? network.Stem.parameters() : network.Layers[stage - 1].SelectMany(b => b.parameters());

    private static void Step(CntkResNet18 network, long seed)
    {
        using var input = TestInputs.Random(seed, 2, 3, 64, 64);
        using var output = network.call(input);
        using var loss = output.pow(2).sum();
        loss.backward();
    }

    [Fact]
    public void Frozen_stages_get_no_gradient_and_keep_their_batchnorm_statistics()
    {
        using var network = new CntkResNet18(seed: 3);
        network.Freeze(3); // stem, layer1, layer2
        network.train();
        var statsBefore = Enumerable.Range(0, CntkResNet18.StageCount)
            .Select(s => Norms(network, s).Select(n => n.running_mean!.clone()).ToArray()).ToArray();

        Step(network, seed: 10);

        for (var stage = 0; stage < CntkResNet18.StageCount; stage++)
        {
            var frozen = stage < 3;
            foreach (var parameter in Parameters(network, stage))
            {
                Assert.Equal(!frozen, parameter.requires_grad);
                if (frozen)
                    Assert.True(parameter.grad is null || parameter.grad.abs().max().item<float>() == 0f, $"stage {stage} got a gradient");
                else
                    Assert.True(parameter.grad is not null && parameter.grad.abs().max().item<float>() > 0f, $"stage {stage} got no gradient");
            }
            var norms = Norms(network, stage).ToArray();
            for (var i = 0; i < norms.Length; i++)
            {
                Assert.Equal(!frozen, norms[i].training);
                var unchanged = TestInputs.Same(norms[i].running_mean!, statsBefore[stage][i]);
                Assert.True(frozen == unchanged, $"stage {stage} BN {i}: running mean {(unchanged ? "unchanged" : "changed")}");
            }
        }
    }

    [Fact]
    public void Frozen_stages_stay_in_eval_mode_across_train_and_eval_and_freeze_0_releases_them()
    {
        using var network = new CntkResNet18(seed: 3);
        network.Freeze(2);
        network.eval();
        network.train();
        Assert.True(network.training);
        Assert.All(Norms(network, 0).Concat(Norms(network, 1)), n => Assert.False(n.training));
        Assert.All(Norms(network, 2), n => Assert.True(n.training));

        network.Freeze(0);
        Assert.Equal(0, network.FrozenStages);
        Assert.All(network.parameters(), p => Assert.True(p.requires_grad));
        Assert.All(Enumerable.Range(0, CntkResNet18.StageCount).SelectMany(s => Norms(network, s)), n => Assert.True(n.training));
        Assert.Throws<ArgumentOutOfRangeException>(() => network.Freeze(CntkResNet18.StageCount + 1));
    }

    [Fact]
    public void Gradients_of_the_trained_stages_are_those_of_the_full_graph()
    {
        // The frozen prefix runs without autograd; the top's gradients must not change for it.
        using var frozen = new CntkResNet18(seed: 5);
        frozen.Freeze(4);
        frozen.train();
        using var reference = new CntkResNet18(seed: 5);
        reference.train();
        reference.Stem.eval();
        for (var layer = 0; layer < 3; layer++) foreach (var block in reference.Layers[layer]) block.eval();

        Step(frozen, seed: 11);
        Step(reference, seed: 11);

        var top = frozen.Layers[3].SelectMany(b => b.parameters()).Zip(reference.Layers[3].SelectMany(b => b.parameters())).ToArray();
        Assert.NotEmpty(top);
        foreach (var (a, b) in top)
            Assert.True(a.grad!.allclose(b.grad!, rtol: 1e-4, atol: 1e-5), "layer4 gradients differ");
    }
}
