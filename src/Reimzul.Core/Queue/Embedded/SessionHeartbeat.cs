using Microsoft.Data.Sqlite;

namespace Reimzul.Queue.Embedded;

/// <summary>
/// Keeps <c>sessions.last_seen</c> fresh for every open session of one process while any is open.
/// Only owners whose pid cannot be checked from here (another pid namespace sharing the file) are judged by it.
/// </summary>
internal sealed class SessionHeartbeat
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    /// <summary>A session not seen for this long, and whose process cannot be checked, is taken for dead.</summary>
    public static readonly TimeSpan StaleAfter = TimeSpan.FromSeconds(60);

    private readonly string _databasePath;
    private readonly TimeProvider _time;
    private readonly ProcessIdentity _owner;
    private readonly Lock _lock = new();
    private ITimer? _timer;
    private int _sessions;

    public SessionHeartbeat(string databasePath, TimeProvider time, ProcessIdentity owner)
    {
        _databasePath = databasePath;
        _time = time;
        _owner = owner;
    }

    public void SessionOpened()
    {
        lock (_lock)
        {
            if (_sessions++ == 0)
            {
                _timer = _time.CreateTimer(_ => Beat(), null, Interval, Interval);
            }
        }
    }

    public void SessionClosed()
    {
        lock (_lock)
        {
            if (--_sessions == 0)
            {
                _timer?.Dispose();
                _timer = null;
            }
        }
    }

    private void Beat()
    {
        try
        {
            using var connection = QueueDatabase.Open(_databasePath);
            connection.Execute(null,
                "UPDATE sessions SET last_seen = @now WHERE pid = @pid AND started = @started AND host = @host",
                ("@now", _time.GetUtcNow().ToUnixTimeMilliseconds()), ("@pid", _owner.Pid), ("@started", _owner.StartTicks), ("@host", _owner.Host));
        }
        catch (SqliteException)
        {
            // A missed beat is harmless: the next one comes in 10 s and a session is only presumed dead after 60 s.
        }
    }
}
