namespace Reimzul.Notify;

/// <summary>An auto-reset signal: <see cref="Set"/> wakes one waiter, or the next one to wait; sets in between coalesce.</summary>
public sealed class WakeSignal : IDisposable
{
    private readonly SemaphoreSlim semaphore = new(0, 1);

    public void Set()
    {
        try
        {
            semaphore.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already set: the waiter will look anyway.
        }
    }

    /// <summary>Waits until set or <paramref name="timeout"/> passes; true when set.</summary>
    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken ct) => semaphore.WaitAsync(timeout, ct);

    public void Dispose() => semaphore.Dispose();
}
