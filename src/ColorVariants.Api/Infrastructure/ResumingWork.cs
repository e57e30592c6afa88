namespace ColorVariants.Api.Infrastructure;

/// <summary>
/// Background work that must end done: a failure (the database gone, a statement refused) is
/// logged by <c>onFailure</c> and the work runs again after a growing pause. An exception out of a
/// BackgroundService would stop the host (BackgroundServiceExceptionBehavior.StopHost), and with
/// it a service that can still answer.
/// </summary>
public static class ResumingWork
{
    /// <param name="onFailure">Logs the failure (and records it) with the pause before the next try.</param>
    public static async Task RunAsync(Func<CancellationToken, Task> work, Action<Exception, TimeSpan> onFailure, CancellationToken stoppingToken)
    {
        for (var failures = 0; ; failures++)
        {
            try
            {
                await work(stoppingToken);
                return;
            }
            catch (Exception) when (stoppingToken.IsCancellationRequested)
            {
                return; // stopping: whatever the cut-off work threw ends here
            }
            catch (Exception e)
            {
                var pause = Pause(failures);
                onFailure(e, pause);
                try
                {
                    await Task.Delay(pause, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>1, 2, 4 … seconds, at most a minute.</summary>
    public static TimeSpan Pause(int failures) => TimeSpan.FromSeconds(Math.Min(60, 1 << Math.Min(failures, 6)));
}
