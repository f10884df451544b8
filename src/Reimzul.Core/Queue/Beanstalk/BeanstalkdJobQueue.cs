using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using Reimzul.Retry;

namespace Reimzul.Queue.Beanstalk;

/// <summary>
/// A session on a beanstalkd server: one connection, reopened by itself when it breaks. A call that finds
/// its connection gone (the server restarted, say) reconnects first; after a failed attempt the next one
/// waits a growing delay. Reservations of a broken connection are the server's again (it released them):
/// touch, release and bury of such a job find nothing, and delete removes it only if no one else took it.
/// A reserve takes one extra round trip (<c>stats-job</c>) to learn the job's tube, priority and TTR; one TTR
/// after a reservation (re)started, a job still held gets a no-op command, for beanstalkd 1.12's sake (see <see cref="HeldJobs"/>).
/// </summary>
public sealed class BeanstalkdJobQueue : IJobProducer, IJobConsumer, IQueueAdmin, IJobHolder
{
    private readonly BeanstalkdOptions _options;
    private readonly BeanstalkTls? _tls;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly CancellationTokenSource _closing = new();
    private readonly RetrySchedule _reconnect;
    private readonly HeldJobs _held;
    private BeanstalkClient? _client;
    private long _retryAt;
    private int _disposed;

    internal BeanstalkdJobQueue(BeanstalkdOptions options, BeanstalkTls? tls, BeanstalkClient client, ILogger logger)
    {
        _options = options;
        _tls = tls;
        _client = client;
        _logger = logger;
        _reconnect = new RetryPolicy(options.ReconnectDelay, options.MaxReconnectDelay).Start(TimeProvider.System);
        _held = new HeldJobs(TimeProvider.System, () => _ = NudgeAsync());
    }

    /// <summary>How many times this session connected again after losing its connection.</summary>
    internal int Reconnects { get; private set; }

    /// <summary>The current connection, if any (protocol tests).</summary>
    internal BeanstalkClient? Client => _client;

    public async Task<long> PutAsync(string tube, string body, uint priority, TimeSpan delay, TimeSpan ttr, CancellationToken cancellationToken = default)
    {
        JobLimits.CheckTube(tube);
        ArgumentNullException.ThrowIfNull(body);
        JobLimits.CheckSpan(delay, nameof(delay));
        JobLimits.CheckSpan(ttr, nameof(ttr));
        var bytes = Encoding.UTF8.GetBytes(body);
        return await RunAsync(async client =>
        {
            if (bytes.Length > client.MaxJobSize)
            {
                throw new ArgumentException(
                    $"job body is {bytes.Length} bytes of UTF-8; beanstalkd at {client.Endpoint} takes at most {client.MaxJobSize} bytes (its -z option)", nameof(body));
            }
            await client.UseAsync(tube, cancellationToken);
            try
            {
                return await client.PutAsync(bytes, priority, delay, ttr, cancellationToken);
            }
            catch (BeanstalkException ex) when (ex.Error == BeanstalkError.Buried && ex.JobId is { } id)
            {
                // The job exists; putting it again would duplicate it. An operator has to kick it.
                _logger.LogWarning("{Message}; kick it once the server has memory again", ex.Message);
                return id;
            }
        }, cancellationToken);
    }

    public Task<uint?> NextReadyPriorityAsync(string tube, CancellationToken cancellationToken = default)
    {
        JobLimits.CheckTube(tube);
        return RunAsync(async client =>
        {
            await client.UseAsync(tube, cancellationToken);
            // The job peeked may be reserved before its figures are read: then look at the next one.
            for (var attempt = 0; attempt < 5; attempt++)
            {
                if (await client.PeekReadyAsync(cancellationToken) is not { } job)
                {
                    return (uint?)null;
                }
                var stats = await client.StatsJobAsync(job.Id, cancellationToken);
                if (stats is not null && uint.TryParse(stats.GetValueOrDefault("pri"), NumberStyles.None, CultureInfo.InvariantCulture, out var priority))
                {
                    return priority;
                }
            }
            return null;
        }, cancellationToken);
    }

    public async Task<IReservedJob?> ReserveAsync(IReadOnlyCollection<string> tubes, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tubes);
        if (tubes.Count == 0)
        {
            throw new ArgumentException("reserve needs at least one tube", nameof(tubes));
        }
        foreach (var tube in tubes)
        {
            JobLimits.CheckTube(tube, nameof(tubes));
        }
        var watch = new HashSet<string>(tubes, StringComparer.Ordinal);
        var started = Stopwatch.GetTimestamp();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _closing.Token);
        try
        {
            return await RunAsync(async client =>
            {
                await client.WatchOnlyAsync(watch, stop.Token);
                while (true)
                {
                    var left = timeout < TimeSpan.Zero ? timeout : Max(TimeSpan.Zero, timeout - Stopwatch.GetElapsedTime(started));
                    var job = await client.ReserveAsync(left, stop.Token);
                    if (job is null)
                    {
                        return null;
                    }
                    // Not cancellable: the job is ours now and must not be dropped half-way.
                    if (await client.StatsJobAsync(job.Id, CancellationToken.None) is { } stats && stats.TryGetValue("tube", out var tube))
                    {
                        var priority = uint.TryParse(stats.GetValueOrDefault("pri"), NumberStyles.None, CultureInfo.InvariantCulture, out var pri) ? pri : 0;
                        if (uint.TryParse(stats.GetValueOrDefault("ttr"), NumberStyles.None, CultureInfo.InvariantCulture, out var ttr))
                        {
                            _held.Reserved(job.Id, TimeSpan.FromSeconds(ttr));
                        }
                        // beanstalkd counts every reservation of the job, this one included.
                        var deliveries = int.TryParse(stats.GetValueOrDefault("reserves"), NumberStyles.None, CultureInfo.InvariantCulture, out var reserves) ? reserves : 1;
                        return new ReservedJob(this, job.Id, tube, priority, Encoding.UTF8.GetString(job.Body), deliveries);
                    }
                    // Its TTR ran out between the two commands: it is someone else's now; wait on.
                }
            }, stop.Token);
        }
        catch (OperationCanceledException) when (_closing.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new ObjectDisposedException(nameof(BeanstalkdJobQueue), "the session was closed while a reserve was waiting");
        }
    }

    internal Task<bool> DeleteAsync(long id, CancellationToken cancellationToken = default) =>
        RunAsync(async client => Forget(id, await client.DeleteAsync(id, cancellationToken)), cancellationToken);

    internal Task<bool> ReleaseAsync(long id, uint priority, TimeSpan delay, CancellationToken cancellationToken = default)
    {
        JobLimits.CheckSpan(delay, nameof(delay));
        return RunAsync(async client =>
        {
            try
            {
                return Forget(id, await client.ReleaseAsync(id, priority, delay, cancellationToken));
            }
            catch (BeanstalkException ex) when (ex.Error == BeanstalkError.Buried)
            {
                // It has left this session all the same, buried rather than ready.
                _logger.LogWarning("{Message}; kick it once the server has memory again", ex.Message);
                return Forget(id, true);
            }
        }, cancellationToken);
    }

    /// <summary>beanstalkd keeps no reason; the consumer logs it, and <c>reimzul buried</c> checks the body again.</summary>
    internal Task<bool> BuryAsync(long id, uint priority, CancellationToken cancellationToken = default) =>
        RunAsync(async client => Forget(id, await client.BuryAsync(id, priority, cancellationToken)), cancellationToken);

    internal Task<bool> TouchAsync(long id, CancellationToken cancellationToken = default) =>
        RunAsync(async client =>
        {
            var touched = await client.TouchAsync(id, cancellationToken);
            if (touched)
            {
                _held.Touched(id);
            }
            return touched;
        }, cancellationToken);

    public Task<int> KickAsync(string tube, int bound, CancellationToken cancellationToken = default)
    {
        JobLimits.CheckTube(tube);
        ArgumentOutOfRangeException.ThrowIfNegative(bound);
        return RunAsync(async client =>
        {
            await client.UseAsync(tube, cancellationToken);
            return (int)await client.KickAsync(bound, cancellationToken);
        }, cancellationToken);
    }

    public Task<string?> DeleteWaitingAsync(string tube, long id, Func<string, bool> isIt, CancellationToken cancellationToken = default)
    {
        JobLimits.CheckTube(tube);
        ArgumentNullException.ThrowIfNull(isIt);
        return RunAsync(async client =>
        {
            // stats-job, peek and delete: a job reserved in between is not deleted (delete finds only waiting jobs
            // and this connection's own), and its id cannot pass to another job while this connection stays open.
            var stats = await client.StatsJobAsync(id, cancellationToken);
            if (stats is null || stats.GetValueOrDefault("tube") != tube || stats.GetValueOrDefault("state") == "reserved")
            {
                return null;
            }
            if (await client.PeekAsync(id, cancellationToken) is not { } job)
            {
                return null;
            }
            var body = Encoding.UTF8.GetString(job.Body);
            return isIt(body) && await client.DeleteAsync(id, cancellationToken) ? body : null;
        }, cancellationToken);
    }

    public Task<IReadOnlyList<BuriedJob>> BuriedAsync(string tube, int limit, CancellationToken cancellationToken = default)
    {
        JobLimits.CheckTube(tube);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        return RunAsync<IReadOnlyList<BuriedJob>>(async client =>
        {
            await client.UseAsync(tube, cancellationToken);
            if (await client.PeekBuriedAsync(cancellationToken) is not { } job)
            {
                return [];
            }
            var stats = await client.StatsJobAsync(job.Id, cancellationToken);
            int Figure(string name) => stats is not null && int.TryParse(stats.GetValueOrDefault(name), NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : 0;
            var priority = stats is not null && uint.TryParse(stats.GetValueOrDefault("pri"), NumberStyles.None, CultureInfo.InvariantCulture, out var pri) ? pri : 0;
            return [new BuriedJob(job.Id, tube, priority, Encoding.UTF8.GetString(job.Body), Figure("reserves"), Reason: null, BuriedAt: null)];
        }, cancellationToken);
    }

    public Task<TubeStats> StatsTubeAsync(string tube, CancellationToken cancellationToken = default)
    {
        JobLimits.CheckTube(tube);
        return RunAsync(async client =>
        {
            var stats = await client.StatsTubeAsync(tube, cancellationToken);
            long Figure(string name) => stats is not null && long.TryParse(stats.GetValueOrDefault(name), NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : 0;
            return new TubeStats(tube, Figure("current-jobs-ready"), Figure("current-jobs-reserved"), Figure("current-jobs-buried"),
                Figure("current-jobs-delayed"), Figure("current-watching"), Figure("total-jobs"));
        }, cancellationToken);
    }

    public Task<IReadOnlyList<string>> ListTubesAsync(CancellationToken cancellationToken = default) =>
        RunAsync(client => client.ListTubesAsync(cancellationToken), cancellationToken);

    /// <summary>Closes the connection; the server puts this session's reserved jobs back at once.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        // Interrupts a reserve that is waiting, so the gate comes free.
        await _closing.CancelAsync();
        _held.Dispose();
        await _gate.WaitAsync();
        try
        {
            if (_client is not null)
            {
                await _client.DisposeAsync();
                _client = null;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<T> RunAsync<T>(Func<BeanstalkClient, Task<T>> operation, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed == 1, this);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed == 1, this);
            return await operation(await ConnectedAsync(cancellationToken));
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<BeanstalkClient> ConnectedAsync(CancellationToken cancellationToken)
    {
        if (_client is { } current)
        {
            if (!current.LooksDead())
            {
                return current;
            }
            _logger.LogWarning("connection to beanstalkd at {Endpoint} lost ({Reason}); its reserved jobs are back in their tubes; reconnecting",
                _options.Endpoint, current.ClosedReason);
            _client = null;
            await current.DisposeAsync();
            _held.Clear();
        }
        var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), _retryAt);
        if (_retryAt != 0 && wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, cancellationToken);
        }
        try
        {
            _client = await BeanstalkClient.ConnectAsync(_options, _tls, cancellationToken);
        }
        catch (BeanstalkConnectionException ex)
        {
            var delay = _reconnect.Failed().Delay;
            _retryAt = Stopwatch.GetTimestamp() + Ticks(delay);
            throw new BeanstalkConnectionException(ex.Error, $"{ex.Message} (this session tries again in {delay.TotalSeconds:0.#} s)", ex);
        }
        _reconnect.Progressed();
        _retryAt = 0;
        Reconnects++;
        _logger.LogInformation("reconnected to beanstalkd at {Endpoint}", _options.Endpoint);
        return _client;
    }

    private bool Forget(long id, bool done)
    {
        if (done)
        {
            _held.Done(id);
        }
        return done;
    }

    // A command on the connection makes beanstalkd 1.12 notice a TTR it missed (see HeldJobs).
    private async Task NudgeAsync()
    {
        // A command in progress (or a reserve waiting in one-second slices) nudges the server by itself.
        if (_disposed == 1 || !await _gate.WaitAsync(0))
        {
            return;
        }
        try
        {
            if (_client is { } client && !client.LooksDead())
            {
                await client.PingAsync();
            }
        }
        catch (BeanstalkException ex)
        {
            _logger.LogDebug(ex, "no-op to beanstalkd at {Endpoint} failed: {Message}", _options.Endpoint, ex.Message);
        }
        finally
        {
            _gate.Release();
        }
    }

    private static long Ticks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    // The handles of this session's reservations act through these.
    Task<bool> IJobHolder.DeleteAsync(long id, CancellationToken cancellationToken) => DeleteAsync(id, cancellationToken);

    Task<bool> IJobHolder.ReleaseAsync(long id, uint priority, TimeSpan delay, CancellationToken cancellationToken) => ReleaseAsync(id, priority, delay, cancellationToken);

    Task<bool> IJobHolder.BuryAsync(long id, uint priority, string reason, CancellationToken cancellationToken) => BuryAsync(id, priority, cancellationToken);

    Task<bool> IJobHolder.TouchAsync(long id, CancellationToken cancellationToken) => TouchAsync(id, cancellationToken);
}
