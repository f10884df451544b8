namespace Reimzul.Queue.Embedded;

/// <summary>
/// An in-process "something changed" pulse. A waiter takes <see cref="Next"/> before it looks at the
/// database, so a pulse that happens between its look and its wait is never lost.
/// </summary>
internal sealed class WakeSignal
{
    private TaskCompletionSource _next = NewSource();

    public Task Next => Volatile.Read(ref _next).Task;

    public void Pulse() => Interlocked.Exchange(ref _next, NewSource()).TrySetResult();

    private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
