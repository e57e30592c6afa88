using ColorVariants.Training.Losses;
using TorchSharp;

namespace ColorVariants.Training.Tests.Losses;

public class MomentumUpdateTests
{
    private static void Set(torch.nn.Module module, float weight, float bias)
    {
        using var _ = torch.no_grad();
        foreach (var (name, parameter) in module.named_parameters())
            parameter.fill_(name == "weight" ? weight : bias);
    }

    private static float[] Values(torch.nn.Module module, string name) =>
        module.named_parameters().Single(p => p.name == name).parameter.data<float>().ToArray();

    [Fact]
    public void Initialise_copies_and_freezes_then_apply_moves_the_key_a_step_towards_the_query()
    {
        using var query = torch.nn.Linear(2, 2);
        using var key = torch.nn.Linear(2, 2);
        Set(query, weight: 1f, bias: -1f);
        Set(key, weight: 5f, bias: 5f);

        MomentumUpdate.Initialise(query, key);
        Assert.All(Values(key, "weight"), v => Assert.Equal(1f, v));
        Assert.All(key.parameters(), p => Assert.False(p.requires_grad));
        Assert.All(query.parameters(), p => Assert.True(p.requires_grad));

        Set(query, weight: 3f, bias: 1f);
        MomentumUpdate.Apply(query, key, momentum: 0.9);

        Assert.All(Values(key, "weight"), v => Assert.Equal(0.9f * 1f + 0.1f * 3f, v, 5));
        Assert.All(Values(key, "bias"), v => Assert.Equal(0.9f * -1f + 0.1f * 1f, v, 5));
        Assert.All(Values(query, "weight"), v => Assert.Equal(3f, v));
    }

    [Fact]
    public void Encoders_of_different_shapes_are_refused()
    {
        using var query = torch.nn.Linear(2, 2);
        using var key = torch.nn.Linear(2, 3);
        Assert.Throws<ArgumentException>(() => MomentumUpdate.Apply(query, key, 0.99));
    }
}
