using System.Text;
using Microsoft.Data.Sqlite;

namespace Reimzul.Queue.Embedded;

/// <summary>
/// One session on the embedded queue, with its own SQLite connection. Every change that can make a job
/// ready is announced to waiting sessions; a waiting reserve also wakes when the next delayed job or TTR
/// of its tubes falls due, and re-checks on a fallback interval so a missed signal costs at most that long.
/// </summary>
public sealed class EmbeddedJobQueue : IJobProducer, IJobConsumer, IQueueAdmin, IJobHolder
{
    private static readonly TimeSpan NoWatcherRecheck = TimeSpan.FromMilliseconds(250);

    /// <summary>The session id of a producer, which has no row in <c>sessions</c>: it holds no job and watches no tube.</summary>
    internal const long NoSession = 0;

    private readonly EmbeddedJobQueueFactory _factory;
    private readonly SqliteConnection _connection;
    private readonly long _session;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly CancellationTokenSource _closing = new();
    private string[] _watched = [];
    private bool _listening;
    private bool _wakeFileWatched;
    private int _disposed;

    internal EmbeddedJobQueue(EmbeddedJobQueueFactory factory, SqliteConnection connection, long session)
    {
        _factory = factory;
        _connection = connection;
        _session = session;
        _time = factory.Time;
    }

    public async Task<long> PutAsync(string tube, string body, uint priority, TimeSpan delay, TimeSpan ttr, CancellationToken cancellationToken = default) =>
        (await PutManyAsync([new JobToPut(tube, body, priority, delay, ttr)], cancellationToken))[0];

    /// <summary>Puts every job in one transaction: all or none, one commit (one fsync) for all.</summary>
    public async Task<IReadOnlyList<long>> PutManyAsync(IReadOnlyList<JobToPut> jobs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        foreach (var job in jobs)
        {
            JobLimits.CheckTube(job.Tube);
            JobLimits.CheckBody(job.Body);
            JobLimits.CheckSpan(job.Delay, nameof(job.Delay));
            JobLimits.CheckSpan(job.Ttr, nameof(job.Ttr));
        }
        if (jobs.Count == 0)
        {
            return [];
        }
        await EnterAsync(cancellationToken);
        try
        {
            using var turn = await _factory.Writes.EnterAsync(cancellationToken);
            var now = NowMs();
            var ids = new long[jobs.Count];
            using var transaction = _connection.BeginTransaction(deferred: false);
            for (var i = 0; i < jobs.Count; i++)
            {
                var job = jobs[i];
                var delayed = job.Delay > TimeSpan.Zero;
                ids[i] = _connection.ScalarInt64(transaction,
                    """
                    INSERT INTO jobs (tube, priority, state, due, ttr_ms, body, created)
                    VALUES (@tube, @priority, @state, @due, @ttr, @body, @now) RETURNING id
                    """,
                    ("@tube", job.Tube), ("@priority", (long)job.Priority), ("@state", (int)(delayed ? JobState.Delayed : JobState.Ready)),
                    ("@due", delayed ? now + Milliseconds(job.Delay) : null), ("@ttr", Milliseconds(JobLimits.EffectiveTtr(job.Ttr))),
                    ("@body", job.Body), ("@now", now))!.Value;
                _connection.Execute(transaction,
                    "INSERT INTO tubes (name, total_jobs) VALUES (@tube, 1) ON CONFLICT (name) DO UPDATE SET total_jobs = total_jobs + 1",
                    ("@tube", job.Tube));
            }
            transaction.Commit();
            // Delayed puts too: a waiter must learn the new, possibly earlier, moment to look again.
            _factory.Announce();
            return ids;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<uint?> NextReadyPriorityAsync(string tube, CancellationToken cancellationToken = default)
    {
        JobLimits.CheckTube(tube);
        await EnterAsync(cancellationToken);
        try
        {
            var priority = _connection.ScalarInt64(null, "SELECT MIN(priority) FROM jobs WHERE tube = @tube AND state = 0", ("@tube", tube));
            return priority is { } value ? (uint)value : null;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<IReservedJob?> ReserveAsync(IReadOnlyCollection<string> tubes, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        (await ReserveManyAsync(tubes, 1, timeout, cancellationToken)) is [var job] ? job : null;

    /// <summary>Waits as <see cref="ReserveAsync"/> does, then takes up to <paramref name="max"/> ready jobs in one transaction.</summary>
    public async Task<IReadOnlyList<IReservedJob>> ReserveManyAsync(IReadOnlyCollection<string> tubes, int max, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        if (_session == NoSession)
        {
            throw new InvalidOperationException("a producer session cannot reserve; open a consumer");
        }
        // Taken before anything can yield, so a timeout counts from the call even if the clock moves meanwhile.
        var start = _time.GetUtcNow();
        var watch = WatchList(tubes);
        await EnterAsync(cancellationToken);
        try
        {
            var forever = timeout < TimeSpan.Zero;
            var deadline = forever || timeout >= DateTimeOffset.MaxValue - start ? DateTimeOffset.MaxValue : start + timeout;
            if (timeout != TimeSpan.Zero)
            {
                ListenForWakes();
            }
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _closing.Token);
            while (true)
            {
                var wake = _factory.Signal.Next;
                var (jobs, now, nextDue, released) = await TryReserveAsync(watch, max, stop.Token);
                if (released > 0)
                {
                    _factory.Announce();
                }
                if (jobs.Count > 0)
                {
                    return jobs;
                }
                if (now >= deadline)
                {
                    return [];
                }
                var recheck = _wakeFileWatched ? _factory.FallbackRecheck : TimeSpan.FromTicks(Math.Min(_factory.FallbackRecheck.Ticks, NoWatcherRecheck.Ticks));
                var until = Earliest(deadline, now + recheck, nextDue is { } due ? DateTimeOffset.FromUnixTimeMilliseconds(due) : DateTimeOffset.MaxValue);
                await WaitAsync(wake, until - now, stop.Token);
                cancellationToken.ThrowIfCancellationRequested();
                ObjectDisposedException.ThrowIf(_closing.IsCancellationRequested, this);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Deletes in one transaction; a job of another session is left alone (false), as by its own handle.</summary>
    public Task<IReadOnlyList<bool>> DeleteManyAsync(IReadOnlyList<IReservedJob> jobs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        return DeleteIdsAsync([.. jobs.Select(j => j.Id)], cancellationToken);
    }

    internal async Task<bool> DeleteAsync(long id, CancellationToken cancellationToken = default) =>
        (await DeleteIdsAsync([id], cancellationToken))[0];

    private async Task<IReadOnlyList<bool>> DeleteIdsAsync(long[] ids, CancellationToken cancellationToken)
    {
        if (ids.Length == 0)
        {
            return [];
        }
        await EnterAsync(cancellationToken);
        try
        {
            using var turn = await _factory.Writes.EnterAsync(cancellationToken);
            var now = NowMs();
            var deleted = new bool[ids.Length];
            using var transaction = _connection.BeginTransaction(deferred: false);
            for (var i = 0; i < ids.Length; i++)
            {
                // A job whose TTR ran out is ready again, so anyone may delete it.
                deleted[i] = _connection.Execute(transaction,
                    "DELETE FROM jobs WHERE id = @id AND (state <> 1 OR owner = @session OR due <= @now)",
                    ("@id", ids[i]), ("@session", _session), ("@now", now)) == 1;
            }
            transaction.Commit();
            return deleted;
        }
        finally
        {
            _gate.Release();
        }
    }

    internal async Task<bool> ReleaseAsync(long id, uint priority, TimeSpan delay, CancellationToken cancellationToken = default)
    {
        JobLimits.CheckSpan(delay, nameof(delay));
        await EnterAsync(cancellationToken);
        try
        {
            using var turn = await _factory.Writes.EnterAsync(cancellationToken);
            var now = NowMs();
            var delayed = delay > TimeSpan.Zero;
            var released = _connection.Execute(null,
                "UPDATE jobs SET state = @state, priority = @priority, owner = NULL, due = @due WHERE " + HeldBySession,
                ("@state", (int)(delayed ? JobState.Delayed : JobState.Ready)), ("@priority", (long)priority),
                ("@due", delayed ? now + Milliseconds(delay) : null), ("@id", id), ("@session", _session), ("@now", now)) == 1;
            if (released)
            {
                _factory.Announce();
            }
            return released;
        }
        finally
        {
            _gate.Release();
        }
    }

    internal async Task<bool> BuryAsync(long id, uint priority, string reason, CancellationToken cancellationToken = default)
    {
        await EnterAsync(cancellationToken);
        try
        {
            using var turn = await _factory.Writes.EnterAsync(cancellationToken);
            return _connection.Execute(null,
                "UPDATE jobs SET state = 2, priority = @priority, owner = NULL, due = @now, reason = @reason WHERE " + HeldBySession,
                ("@priority", (long)priority), ("@reason", JobLimits.BoundedReason(reason)), ("@id", id), ("@session", _session), ("@now", NowMs())) == 1;
        }
        finally
        {
            _gate.Release();
        }
    }

    internal async Task<bool> TouchAsync(long id, CancellationToken cancellationToken = default)
    {
        await EnterAsync(cancellationToken);
        try
        {
            using var turn = await _factory.Writes.EnterAsync(cancellationToken);
            return _connection.Execute(null,
                "UPDATE jobs SET due = @now + ttr_ms WHERE " + HeldBySession,
                ("@id", id), ("@session", _session), ("@now", NowMs())) == 1;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<int> KickAsync(string tube, int bound, CancellationToken cancellationToken = default)
    {
        JobLimits.CheckTube(tube);
        ArgumentOutOfRangeException.ThrowIfNegative(bound);
        await EnterAsync(cancellationToken);
        try
        {
            using var turn = await _factory.Writes.EnterAsync(cancellationToken);
            var now = NowMs();
            using var transaction = _connection.BeginTransaction(deferred: false);
            var anyBuried = _connection.ScalarInt64(transaction, "SELECT EXISTS (SELECT 1 FROM jobs WHERE tube = @tube AND state = 2)", ("@tube", tube)) == 1;
            // Buried jobs in the order they were buried; otherwise delayed jobs that are not yet due, soonest first.
            var kicked = _connection.Execute(transaction,
                anyBuried
                    ? "UPDATE jobs SET state = 0, due = NULL, reason = NULL WHERE id IN (SELECT id FROM jobs WHERE tube = @tube AND state = 2 ORDER BY due, id LIMIT @bound)"
                    : "UPDATE jobs SET state = 0, due = NULL WHERE id IN (SELECT id FROM jobs WHERE tube = @tube AND state = 3 AND due > @now ORDER BY due, id LIMIT @bound)",
                ("@tube", tube), ("@bound", bound), ("@now", now));
            transaction.Commit();
            if (kicked > 0)
            {
                _factory.Announce();
            }
            return kicked;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<string?> DeleteWaitingAsync(string tube, long id, Func<string, bool> isIt, CancellationToken cancellationToken = default)
    {
        JobLimits.CheckTube(tube);
        ArgumentNullException.ThrowIfNull(isIt);
        await EnterAsync(cancellationToken);
        try
        {
            using var turn = await _factory.Writes.EnterAsync(cancellationToken);
            var now = NowMs();
            using var transaction = _connection.BeginTransaction(deferred: false);
            // Waiting, or reserved with its TTR run out (ready again, as a reserve would find it).
            const string Waiting = "id = @id AND tube = @tube AND (state <> 1 OR due <= @now)";
            using var command = _connection.Command(transaction, "SELECT body FROM jobs WHERE " + Waiting, ("@id", id), ("@tube", tube), ("@now", now));
            if (command.ExecuteScalar() is not string body || !isIt(body))
            {
                return null;
            }
            _connection.Execute(transaction, "DELETE FROM jobs WHERE " + Waiting, ("@id", id), ("@tube", tube), ("@now", now));
            transaction.Commit();
            return body;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<TubeStats> StatsTubeAsync(string tube, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tube);
        await EnterAsync(cancellationToken);
        try
        {
            using var turn = await _factory.Writes.EnterAsync(cancellationToken);
            using var transaction = SweptTransaction();
            using var command = _connection.Command(transaction,
                """
                SELECT
                    (SELECT COUNT(*) FROM jobs WHERE tube = @tube AND state = 0),
                    (SELECT COUNT(*) FROM jobs WHERE tube = @tube AND state = 1),
                    (SELECT COUNT(*) FROM jobs WHERE tube = @tube AND state = 2),
                    (SELECT COUNT(*) FROM jobs WHERE tube = @tube AND state = 3),
                    (SELECT COUNT(*) FROM watches WHERE tube = @tube),
                    (SELECT COALESCE(MAX(total_jobs), 0) FROM tubes WHERE name = @tube)
                """,
                ("@tube", tube));
            using var reader = command.ExecuteReader();
            reader.Read();
            var stats = new TubeStats(tube, reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5));
            reader.Close();
            transaction.Commit();
            return stats;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<IReadOnlyList<BuriedJob>> BuriedAsync(string tube, int limit, CancellationToken cancellationToken = default)
    {
        JobLimits.CheckTube(tube);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        await EnterAsync(cancellationToken);
        try
        {
            var buried = new List<BuriedJob>();
            using var command = _connection.Command(null,
                "SELECT id, tube, priority, body, reserves, reason, due FROM jobs WHERE tube = @tube AND state = 2 ORDER BY due, id LIMIT @limit",
                ("@tube", tube), ("@limit", limit));
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                buried.Add(new BuriedJob(reader.GetInt64(0), reader.GetString(1), (uint)reader.GetInt64(2), reader.GetString(3), (int)reader.GetInt64(4),
                    reader.IsDBNull(5) ? null : reader.GetString(5),
                    reader.IsDBNull(6) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(6))));
            }
            return buried;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<IReadOnlyList<string>> ListTubesAsync(CancellationToken cancellationToken = default)
    {
        await EnterAsync(cancellationToken);
        try
        {
            using var turn = await _factory.Writes.EnterAsync(cancellationToken);
            using var transaction = SweptTransaction();
            var tubes = new List<string>();
            using (var command = _connection.Command(transaction, "SELECT tube FROM jobs UNION SELECT tube FROM watches ORDER BY 1"))
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read())
                {
                    tubes.Add(reader.GetString(0));
                }
            }
            transaction.Commit();
            return tubes;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Returns this session's reserved jobs to ready at once, as beanstalkd does when a connection closes.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        await _closing.CancelAsync();
        await _gate.WaitAsync();
        try
        {
            // A producer holds no job and has no row to remove.
            if (_session != NoSession)
            {
                await EndSessionAsync();
            }
        }
        finally
        {
            if (_listening)
            {
                _factory.WakeFile.RemoveListener();
            }
            if (_session != NoSession)
            {
                _factory.Heartbeat.SessionClosed();
            }
            await _connection.DisposeAsync();
            _closing.Dispose();
            _gate.Release();
        }
    }

    private async Task EndSessionAsync()
    {
        int released;
        using (await _factory.Writes.EnterAsync(CancellationToken.None))
        using (var transaction = _connection.BeginTransaction(deferred: false))
        {
            released = _connection.Execute(transaction,
                "UPDATE jobs SET state = 0, owner = NULL, due = NULL WHERE state = 1 AND owner = @session", ("@session", _session));
            _connection.Execute(transaction, "DELETE FROM watches WHERE session = @session", ("@session", _session));
            _connection.Execute(transaction, "DELETE FROM sessions WHERE id = @session", ("@session", _session));
            transaction.Commit();
        }
        if (released > 0)
        {
            _factory.Announce();
        }
    }

    /// <summary>A live reservation of this session (one whose TTR ran out is ready again, not held).</summary>
    private const string HeldBySession = "id = @id AND state = 1 AND owner = @session AND due > @now";

    private async Task<(IReadOnlyList<IReservedJob> Jobs, DateTimeOffset Now, long? NextDue, int Released)> TryReserveAsync(string[] watch, int max, CancellationToken cancellationToken)
    {
        using var turn = await _factory.Writes.EnterAsync(cancellationToken);
        var clock = _time.GetUtcNow();
        var now = clock.ToUnixTimeMilliseconds();
        using var transaction = SweptTransaction(now, out var released);
        if (!watch.AsSpan().SequenceEqual(_watched))
        {
            _connection.Execute(transaction, "DELETE FROM watches WHERE session = @session", ("@session", _session));
            foreach (var tube in watch)
            {
                _connection.Execute(transaction, "INSERT INTO watches (session, tube) VALUES (@session, @tube)", ("@session", _session), ("@tube", tube));
            }
        }

        var inTubes = InClause(watch);
        var jobs = new List<IReservedJob>();
        long? nextDue = null;
        using (var command = _connection.Command(transaction,
            $"SELECT id, tube, priority, body, reserves FROM jobs WHERE state = 0 AND tube IN ({inTubes}) ORDER BY priority, id LIMIT @max",
            ("@max", max)))
        {
            AddTubes(command, watch);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                jobs.Add(new ReservedJob(this, reader.GetInt64(0), reader.GetString(1), (uint)reader.GetInt64(2), reader.GetString(3), (int)reader.GetInt64(4) + 1));
            }
        }
        foreach (var job in jobs)
        {
            _connection.Execute(transaction,
                "UPDATE jobs SET state = 1, owner = @session, due = @now + ttr_ms, reserves = reserves + 1 WHERE id = @id",
                ("@session", _session), ("@now", now), ("@id", job.Id));
        }
        if (jobs.Count == 0)
        {
            using var command = _connection.Command(transaction, $"SELECT MIN(due) FROM jobs WHERE state IN (1, 3) AND tube IN ({inTubes})");
            AddTubes(command, watch);
            nextDue = command.ExecuteScalar() is long due ? due : null;
        }
        transaction.Commit();
        _watched = watch;
        return (jobs, clock, nextDue, released);
    }

    private SqliteTransaction SweptTransaction() => SweptTransaction(NowMs(), out _);

    private SqliteTransaction SweptTransaction(long now, out int released)
    {
        // IMMEDIATE: take the write lock up front, so two processes never both see a job as ready and take it.
        var transaction = _connection.BeginTransaction(deferred: false);
        try
        {
            released = ReservationSweep.Run(_connection, transaction, now, _factory.Owner, now - Milliseconds(SessionHeartbeat.StaleAfter));
            return transaction;
        }
        catch
        {
            transaction.Dispose();
            throw;
        }
    }

    private async Task WaitAsync(Task wake, TimeSpan span, CancellationToken cancellationToken)
    {
        if (span <= TimeSpan.Zero)
        {
            return;
        }
        using var delayCancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var delay = Task.Delay(span, _time, delayCancel.Token);
        await Task.WhenAny(wake, delay);
        // Frees the timer when the wake came first; the cancelled delay is never awaited.
        await delayCancel.CancelAsync();
    }

    private void ListenForWakes()
    {
        if (!_listening || !_wakeFileWatched)
        {
            if (_listening)
            {
                _factory.WakeFile.RemoveListener();
            }
            _wakeFileWatched = _factory.WakeFile.AddListener();
            _listening = true;
        }
    }

    private async Task EnterAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        await _gate.WaitAsync(cancellationToken);
        if (_disposed != 0)
        {
            _gate.Release();
            throw new ObjectDisposedException(GetType().FullName);
        }
    }

    private static string[] WatchList(IReadOnlyCollection<string> tubes)
    {
        ArgumentNullException.ThrowIfNull(tubes);
        if (tubes.Count == 0)
        {
            throw new ArgumentException("reserve needs at least one tube to watch", nameof(tubes));
        }
        foreach (var tube in tubes)
        {
            JobLimits.CheckTube(tube, nameof(tubes));
        }
        var list = tubes.Distinct(StringComparer.Ordinal).ToArray();
        Array.Sort(list, StringComparer.Ordinal);
        return list;
    }

    private static string InClause(string[] tubes)
    {
        var builder = new StringBuilder();
        for (var i = 0; i < tubes.Length; i++)
        {
            builder.Append(i == 0 ? "@t0" : $", @t{i}");
        }
        return builder.ToString();
    }

    private static void AddTubes(SqliteCommand command, string[] tubes)
    {
        for (var i = 0; i < tubes.Length; i++)
        {
            command.Parameters.AddWithValue($"@t{i}", tubes[i]);
        }
    }

    private static DateTimeOffset Earliest(DateTimeOffset a, DateTimeOffset b, DateTimeOffset c) => a < b ? (a < c ? a : c) : (b < c ? b : c);

    private static long Milliseconds(TimeSpan span) => (long)Math.Ceiling(span.TotalMilliseconds);

    private long NowMs() => _time.GetUtcNow().ToUnixTimeMilliseconds();

    // The handles of this session's reservations act through these.
    Task<bool> IJobHolder.DeleteAsync(long id, CancellationToken cancellationToken) => DeleteAsync(id, cancellationToken);

    Task<bool> IJobHolder.ReleaseAsync(long id, uint priority, TimeSpan delay, CancellationToken cancellationToken) => ReleaseAsync(id, priority, delay, cancellationToken);

    Task<bool> IJobHolder.BuryAsync(long id, uint priority, string reason, CancellationToken cancellationToken) => BuryAsync(id, priority, reason, cancellationToken);

    Task<bool> IJobHolder.TouchAsync(long id, CancellationToken cancellationToken) => TouchAsync(id, cancellationToken);
}
