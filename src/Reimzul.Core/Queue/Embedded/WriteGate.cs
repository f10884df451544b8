using System.Diagnostics.CodeAnalysis;

namespace Reimzul.Queue.Embedded;

/// <summary>
/// Queues the write transactions of one process's sessions in turn, asynchronously. SQLite lets one writer
/// in at a time anyway; waiting here instead of in SQLite's busy handler keeps threads free and the order fair
/// (the busy handler backs off up to 100 ms per try and lets a busy session starve). SQLite's lock still
/// arbitrates between processes.
/// </summary>
[SuppressMessage("Design", "CA1001", Justification = "SemaphoreSlim holds no OS handle unless AvailableWaitHandle is read; the gate lives as long as its factory.")]
internal sealed class WriteGate
{
    private readonly SemaphoreSlim _semaphore = new(1, 1);

    public async ValueTask<Turn> EnterAsync(CancellationToken cancellationToken)
    {
        await _semaphore.WaitAsync(cancellationToken);
        return new Turn(_semaphore);
    }

    public readonly struct Turn(SemaphoreSlim semaphore) : IDisposable
    {
        public void Dispose() => semaphore.Release();
    }
}
