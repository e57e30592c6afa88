namespace ColorVariants.Cli;

/// <summary>An IProgress that reports on the caller's thread (Progress&lt;T&gt; posts to the thread pool and can report late, out of order).</summary>
public sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
{
    private readonly Lock _gate = new();

    public void Report(T value)
    {
        lock (_gate) report(value);
    }
}
