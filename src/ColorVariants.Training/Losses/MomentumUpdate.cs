using TorchSharp;
using static TorchSharp.torch;

namespace ColorVariants.Training.Losses;

/// <summary>MoCo's key encoder: a copy of the query encoder that follows it slowly, never by gradient.</summary>
public static class MomentumUpdate
{
    /// <summary>Copies the query encoder's parameters into the key encoder and freezes the key encoder's.</summary>
    public static void Initialise(nn.Module query, nn.Module key)
    {
        using var _ = torch.no_grad();
        foreach (var (q, k) in Pairs(query, key))
        {
            k.copy_(q);
            k.requires_grad = false;
        }
    }

    /// <summary>param_k = m * param_k + (1 - m) * param_q for every parameter, matched by name, without grad.</summary>
    public static void Apply(nn.Module query, nn.Module key, double momentum)
    {
        if (momentum is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(momentum), "Momentum must be in [0, 1].");
        using var _ = torch.no_grad();
        using var keep = momentum.ToScalar();
        using var take = (1.0 - momentum).ToScalar();
        foreach (var (q, k) in Pairs(query, key))
            k.mul_(keep).add_(q, take);
    }

    private static List<(Tensor Query, Tensor Key)> Pairs(nn.Module query, nn.Module key)
    {
        var keyParameters = key.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter, StringComparer.Ordinal);
        var pairs = new List<(Tensor, Tensor)>();
        foreach (var (name, q) in query.named_parameters())
        {
            if (!keyParameters.Remove(name, out var k) || !k.shape.SequenceEqual(q.shape))
                throw new ArgumentException($"The key encoder has no parameter '{name}' shaped like the query encoder's.", nameof(key));
            pairs.Add((q, k));
        }
        if (keyParameters.Count > 0)
            throw new ArgumentException($"The key encoder has parameters the query encoder lacks: {string.Join(", ", keyParameters.Keys)}.", nameof(key));
        return pairs;
    }
}
