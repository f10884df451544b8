using System.Diagnostics;

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
    private static readonly TimeSpan Margin = TimeSpan.FromMilliseconds(50);

    private readonly Lock _lock = new();
    private readonly Dictionary<long, (TimeSpan Ttr, long Due)> _held = [];
    private readonly ITimer _timer;
    private readonly Action _ttrPassed;
    private bool _disposed;

    public HeldJobs(Action ttrPassed)
    {
        _ttrPassed = ttrPassed;
        _timer = TimeProvider.System.CreateTimer(static state => ((HeldJobs)state!).Fire(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
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
            _held.Remove(id);
        }
    }

    /// <summary>The connection is gone, and its reservations with it.</summary>
    public void Clear()
    {
        lock (_lock)
        {
            _held.Clear();
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

    private static long Due(TimeSpan ttr) => Stopwatch.GetTimestamp() + (long)((ttr + Margin).TotalSeconds * Stopwatch.Frequency);

    private void Fire()
    {
        lock (_lock)
        {
            // The server takes a job whose TTR ran out; one callback covers every job due by now.
            var now = Stopwatch.GetTimestamp();
            foreach (var id in _held.Where(job => job.Value.Due <= now).Select(job => job.Key).ToList())
            {
                _held.Remove(id);
            }
            Arm();
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
        var next = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), _held.Values.Min(job => job.Due));
        _timer.Change(next > TimeSpan.Zero ? next : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
    }
}
