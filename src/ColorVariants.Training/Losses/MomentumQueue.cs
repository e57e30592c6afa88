using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace ColorVariants.Training.Losses;

/// <summary>
/// MoCo's queue of negative keys, one per part: a fixed-size FIFO of L2-normalised, detached keys.
/// It starts empty and fills up; once full, each enqueue drops (dequeues) as many of the oldest keys.
/// </summary>
public sealed class MomentumQueue : IDisposable
{
    private readonly Tensor[] _storage;
    private readonly int[] _head; // next row to write
    private readonly int[] _count;

    public MomentumQueue(int parts, int capacity, int dimension, Device? device = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(parts, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        Parts = parts;
        Capacity = capacity;
        Dimension = dimension;
        // Owned by the queue for the whole run: kept out of the caller's dispose scopes.
        _storage = Enumerable.Range(0, parts)
            .Select(_ => torch.zeros(capacity, dimension, ScalarType.Float32, device).DetachFromDisposeScope())
            .ToArray();
        _head = new int[parts];
        _count = new int[parts];
    }

    public int Parts { get; }
    public int Capacity { get; }
    public int Dimension { get; }

    public int Count(int part) => _count[part];

    /// <summary>Adds <paramref name="keys"/> [B,D] (normalised and detached here) as the newest of <paramref name="part"/>.</summary>
    public void Enqueue(int part, Tensor keys)
    {
        if (keys.dim() != 2 || keys.shape[1] != Dimension)
            throw new ArgumentException($"Expected keys [B,{Dimension}], got [{string.Join(',', keys.shape)}].", nameof(keys));
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        var storage = _storage[part];
        var fresh = F.normalize(keys.detach(), p: 2, dim: 1).to(storage.device);
        var n = (int)fresh.shape[0];
        if (n >= Capacity)
        {
            storage.copy_(fresh.narrow(0, n - Capacity, Capacity)); // only the newest fit
            _head[part] = 0;
            _count[part] = Capacity;
            return;
        }
        var first = Math.Min(n, Capacity - _head[part]);
        storage.narrow(0, _head[part], first).copy_(fresh.narrow(0, 0, first));
        if (n > first) storage.narrow(0, 0, n - first).copy_(fresh.narrow(0, first, n - first)); // wrap around
        _head[part] = (_head[part] + n) % Capacity;
        _count[part] = Math.Min(_count[part] + n, Capacity);
    }

    /// <summary>Enqueues keys[p] into part p for every part.</summary>
    public void EnqueueAll(IReadOnlyList<Tensor> keys)
    {
        if (keys.Count != Parts) throw new ArgumentException($"Expected keys for {Parts} parts, got {keys.Count}.", nameof(keys));
        for (var p = 0; p < Parts; p++) Enqueue(p, keys[p]);
    }

    /// <summary>A copy of the part's keys, oldest first: [Count,D]. The caller disposes it.</summary>
    public Tensor Keys(int part)
    {
        var storage = _storage[part];
        if (_count[part] < Capacity) return storage.narrow(0, 0, _count[part]).clone();
        var head = _head[part];
        using var older = storage.narrow(0, head, Capacity - head);
        using var newer = storage.narrow(0, 0, head);
        return torch.cat([older, newer], 0);
    }

    /// <summary>Writes the keys and the queue's positions, so a resumed run continues with the same negatives.</summary>
    public void Save(BinaryWriter writer)
    {
        writer.Write(Parts);
        writer.Write(Capacity);
        writer.Write(Dimension);
        for (var p = 0; p < Parts; p++)
        {
            writer.Write(_head[p]);
            writer.Write(_count[p]);
            using var cpu = _storage[p].cpu();
            cpu.Save(writer);
        }
    }

    /// <summary>Reads what <see cref="Save"/> wrote into a queue of the same shape.</summary>
    public void Load(BinaryReader reader)
    {
        var (parts, capacity, dimension) = (reader.ReadInt32(), reader.ReadInt32(), reader.ReadInt32());
        if ((parts, capacity, dimension) != (Parts, Capacity, Dimension))
            throw new InvalidDataException($"The saved queue is {parts} x {capacity} x {dimension}, this one {Parts} x {Capacity} x {Dimension}.");
        for (var p = 0; p < Parts; p++)
        {
            var (head, count) = (reader.ReadInt32(), reader.ReadInt32());
            if (head < 0 || head >= Capacity || count < 0 || count > Capacity)
                throw new InvalidDataException($"Bad saved queue position for part {p}.");
            using var cpu = torch.zeros(Capacity, Dimension, ScalarType.Float32);
            cpu.Load(reader);
            using var _ = torch.no_grad();
            _storage[p].copy_(cpu);
            _head[p] = head;
            _count[p] = count;
        }
    }

    public void Dispose()
    {
        foreach (var tensor in _storage) tensor.Dispose();
    }
}
