namespace Reimzul.Queue.Embedded;

/// <summary>
/// Wakes waiters in other processes: whoever makes a job ready writes a byte to <c>DB.wake</c>, and a
/// process with waiting sessions watches that file (inotify on Linux) and pulses its own signal.
/// The watcher runs only while some session of this factory waits, so idle factories hold no inotify instance.
/// </summary>
internal sealed class WakeFile
{
    private static readonly byte[] Mark = [1];

    private readonly string _path;
    private readonly WakeSignal _signal;
    private readonly Lock _lock = new();
    private FileSystemWatcher? _watcher;
    private int _listeners;

    public WakeFile(string databasePath, WakeSignal signal)
    {
        _path = databasePath + ".wake";
        _signal = signal;
    }

    public void Touch()
    {
        try
        {
            using var handle = File.OpenHandle(_path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
            RandomAccess.Write(handle, Mark, 0);
        }
        catch (IOException)
        {
            // Waiters elsewhere still re-check on their fallback interval; the job itself is committed.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Starts watching if nobody does yet; false when the file cannot be watched (e.g. the inotify limit is reached).</summary>
    public bool AddListener()
    {
        lock (_lock)
        {
            _listeners++;
            if (_watcher is null)
            {
                _watcher = TryWatch();
            }
            return _watcher is not null;
        }
    }

    public void RemoveListener()
    {
        lock (_lock)
        {
            if (--_listeners == 0 && _watcher is not null)
            {
                _watcher.Dispose();
                _watcher = null;
            }
        }
    }

    private FileSystemWatcher? TryWatch()
    {
        FileSystemWatcher? watcher = null;
        try
        {
            watcher = new FileSystemWatcher(Path.GetDirectoryName(_path)!, Path.GetFileName(_path))
            {
                NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.FileName,
            };
            watcher.Changed += (_, _) => _signal.Pulse();
            watcher.Created += (_, _) => _signal.Pulse();
            // Lost events (queue overflow): wake everyone to look again.
            watcher.Error += (_, _) => _signal.Pulse();
            watcher.EnableRaisingEvents = true;
            return watcher;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            watcher?.Dispose();
            return null;
        }
    }
}
