namespace Reimzul.Queue.Beanstalk;

/// <summary>
/// The jobs a session holds and when each one's TTR runs out. One TTR after a reservation (re)started, if the
/// job is still held, it calls back: beanstalkd 1.12 (Debian 12's) sometimes misses the end of a reservation's
/// TTR (more often after a touch), leaving the job reserved for as long as its connection stays idle; any
/// command on that connection makes the server look again.
/// </summary>
internal sealed class HeldJobs : IDisposable
{
    // A little past the TTR, so the server finds the reservation run out when the command arrives.
    internal static readonly TimeSpan Margin = TimeSpan.FromMilliseconds(50);

    private readonly Lock _lock = new();
    // Due times are offsets from _start on the monotonic clock, so a change of wall-clock time moves none of them.
    private readonly Dictionary<long, (TimeSpan Ttr, TimeSpan Due)> _held = [];
    private readonly TimeProvider _time;
    private readonly long _start;
    private readonly ITimer _timer;
    private readonly Action _ttrPassed;
    private bool _disposed;

    public HeldJobs(TimeProvider time, Action ttrPassed)
    {
        _time = time;
        _ttrPassed = ttrPassed;
        _start = time.GetTimestamp();
        _timer = time.CreateTimer(static state => ((HeldJobs)state!).Fire(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public void Reserved(long id, TimeSpan ttr)
    {
        lock (_lock)
        {
            _held[id] = (ttr, Due(ttr));
            Arm();
        }
    }

    public void Touched(long id)
    {
        lock (_lock)
        {
            if (_held.TryGetValue(id, out var job))
            {
                _held[id] = job with { Due = Due(job.Ttr) };
                Arm();
            }
        }
    }

    /// <summary>Deleted, released or buried: no longer this session's.</summary>
    public void Done(long id)
    {
        lock (_lock)
        {
            if (_held.Remove(id))
            {
                Arm();
            }
        }
    }

    /// <summary>The connection is gone, and its reservations with it.</summary>
    public void Clear()
    {
        lock (_lock)
        {
            _held.Clear();
            Arm();
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            _timer.Dispose();
        }
    }

    private TimeSpan Now => _time.GetElapsedTime(_start);

    private TimeSpan Due(TimeSpan ttr) => Now + ttr + Margin;

    private void Fire()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }
            // The server takes a job whose TTR ran out; one callback covers every job due by now.
            var now = Now;
            var due = _held.Where(job => job.Value.Due <= now).Select(job => job.Key).ToList();
            foreach (var id in due)
            {
                _held.Remove(id);
            }
            Arm();
            // A timer that fired a little early has re-armed for the rest; nothing is due yet.
            if (due.Count == 0)
            {
                return;
            }
        }
        _ttrPassed();
    }

    // Under _lock.
    private void Arm()
    {
        if (_disposed)
        {
            return;
        }
        if (_held.Count == 0)
        {
            _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            return;
        }
        var next = _held.Values.Min(job => job.Due) - Now;
        _timer.Change(next > TimeSpan.Zero ? next : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
    }
}
