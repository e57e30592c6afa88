namespace ColorVariants.Core.Images;

/// <summary>
/// Bounds the pixels decoded at once, so decode memory is bounded whatever the concurrency: a
/// decode of w x h pixels holds w·h of the budget from before it decodes until its picture is
/// letterboxed (issue 9: 32 concurrent 6300x6300 uploads each held ~40 M decoded pixels at once).
/// A request that does not fit waits, first come first served (a large image is not starved by
/// small ones behind it); one larger than the whole budget waits until it has the budget alone.
/// Waiting ends with the caller's cancellation.
/// </summary>
public sealed class PixelBudget
{
    private readonly object _gate = new();
    private readonly LinkedList<Waiter> _waiters = new();
    private long _inUse;

    public PixelBudget(long capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
    }

    public long Capacity { get; }

    /// <summary>Pixels held by decodes now.</summary>
    public long InUse { get { lock (_gate) return _inUse; } }

    /// <summary>Decodes waiting for their share.</summary>
    public int Waiting { get { lock (_gate) return _waiters.Count; } }

    /// <summary>Takes <paramref name="pixels"/> (at most the whole budget) of the budget; dispose the lease to give them back.</summary>
    public ValueTask<Lease> AcquireAsync(long pixels, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pixels, 0);
        var share = Math.Min(pixels, Capacity);
        cancellationToken.ThrowIfCancellationRequested();
        Waiter waiter;
        lock (_gate)
        {
            if (_waiters.Count == 0 && _inUse + share <= Capacity)
            {
                _inUse += share;
                return ValueTask.FromResult(new Lease(this, share));
            }
            waiter = new Waiter(share);
            waiter.Node = _waiters.AddLast(waiter);
        }
        if (cancellationToken.CanBeCanceled)
            waiter.Registration = cancellationToken.Register(static state => ((Waiter)state!).Budget!.Cancel((Waiter)state), waiter.WithBudget(this));
        return new ValueTask<Lease>(waiter.Completion.Task);
    }

    private void Cancel(Waiter waiter)
    {
        lock (_gate)
        {
            if (waiter.Node?.List is null) return; // already granted
            _waiters.Remove(waiter.Node);
            waiter.Completion.TrySetCanceled();
            GrantLocked(); // a cancelled head may have been blocking smaller waiters
        }
    }

    private void Release(long share)
    {
        lock (_gate)
        {
            _inUse -= share;
            GrantLocked();
        }
    }

    private void GrantLocked()
    {
        while (_waiters.First is { } first && _inUse + first.Value.Share <= Capacity)
        {
            _waiters.RemoveFirst();
            _inUse += first.Value.Share;
            first.Value.Registration.Dispose();
            // Continuations run on the thread pool, not under the lock.
            if (!first.Value.Completion.TrySetResult(new Lease(this, first.Value.Share))) _inUse -= first.Value.Share;
        }
    }

    private sealed class Waiter(long share)
    {
        public long Share { get; } = share;
        public TaskCompletionSource<Lease> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public LinkedListNode<Waiter>? Node { get; set; }
        public CancellationTokenRegistration Registration { get; set; }
        public PixelBudget? Budget { get; private set; }
        public Waiter WithBudget(PixelBudget budget) { Budget = budget; return this; }
    }

    /// <summary>A share of the budget, given back once on dispose.</summary>
    public sealed class Lease : IDisposable
    {
        private PixelBudget? _budget;

        internal Lease(PixelBudget budget, long pixels)
        {
            _budget = budget;
            Pixels = pixels;
        }

        public long Pixels { get; }

        public void Dispose() => Interlocked.Exchange(ref _budget, null)?.Release(Pixels);
    }
}
