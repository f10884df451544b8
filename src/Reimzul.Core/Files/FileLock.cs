namespace Reimzul.Files;

/// <summary>
/// An exclusive OS lock on a file (flock, through <see cref="FileShare.None"/>), held until disposed.
/// It serializes local processes as well as tasks of one process, and the kernel frees it when its
/// holder dies, so a crash never leaves a target locked. The file itself is never deleted:
/// deleting a lock file lets two holders lock two different inodes.
/// </summary>
internal sealed class FileLock : IDisposable
{
    // .NET reports a lock held elsewhere as an IOException carrying errno EWOULDBLOCK.
    private const int EWouldBlock = 11;

    private readonly FileStream stream;

    private FileLock(FileStream stream) => this.stream = stream;

    /// <summary>The lock, or null at once when another holder has it.</summary>
    public static FileLock? TryAcquire(string path)
    {
        try
        {
            return new FileLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
        }
        catch (IOException ex) when (ex.HResult == EWouldBlock)
        {
            return null;
        }
    }

    /// <summary>Waits for the lock; meant for locks held for a few milliseconds.</summary>
    public static async Task<FileLock> AcquireAsync(string path, CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromMilliseconds(1);
        while (true)
        {
            if (TryAcquire(path) is { } acquired)
            {
                return acquired;
            }
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 50));
        }
    }

    public void Dispose() => stream.Dispose();
}
