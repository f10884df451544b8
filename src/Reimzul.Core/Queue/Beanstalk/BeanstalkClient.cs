using System.Buffers.Text;
using System.Diagnostics;
using System.Text;
using Reimzul.ResultStores;
using Reimzul.Validation;

namespace Reimzul.Queue.Beanstalk;

/// <summary>
/// A beanstalkd client: one connection, one session (its used tube, watch list and reservations).
/// Every reply of the protocol is handled: expected ones are results, the others are
/// <see cref="BeanstalkException"/>s naming the server and the reason. After <c>BAD_FORMAT</c>,
/// <c>EXPECTED_CRLF</c>, an unknown reply or any transport failure the connection is closed (the server
/// releases its reservations) and every later call throws <see cref="BeanstalkConnectionException"/>.
/// One call at a time; the batch methods pipeline many commands in one round trip.
/// </summary>
public sealed class BeanstalkClient : IAsyncDisposable
{
    // Long waits are cut into slices so a dead connection is noticed within a slice plus the reply timeout.
    private static readonly TimeSpan Slice = TimeSpan.FromSeconds(1);

    // Under this much time left, a reserve only polls instead of waiting a whole second more.
    private static readonly TimeSpan PollThreshold = TimeSpan.FromMilliseconds(100);

    // DEADLINE_SOON comes back at once for as long as one of our reservations is in its last second;
    // a short pause keeps the wait from spinning through that second.
    private static readonly TimeSpan DeadlineSoonPause = TimeSpan.FromMilliseconds(100);

    private static readonly TimeSpan QuitWait = TimeSpan.FromSeconds(2);

    private readonly BeanstalkConnection _connection;
    private readonly BeanstalkdOptions _options;
    private readonly HashSet<string> _watched = new(StringComparer.Ordinal) { "default" };
    private string _used = "default";
    private Task<ReserveReply>? _pendingReserve;
    private int _disposed;

    private BeanstalkClient(BeanstalkdOptions options, BeanstalkConnection connection)
    {
        _options = options;
        _connection = connection;
    }

    /// <summary><c>host:port</c> of the server.</summary>
    public string Endpoint => _connection.Endpoint;

    /// <summary>The largest job body the server takes, in bytes (its <c>-z</c>).</summary>
    public long MaxJobSize { get; private set; }

    /// <summary>The server's version, as its <c>stats</c> report it.</summary>
    public string ServerVersion { get; private set; } = "";

    /// <summary>False once the connection is closed or broken; a closed client stays closed.</summary>
    public bool IsConnected => _connection.ClosedReason is null && _disposed == 0;

    /// <summary>Connects, with TLS when the options say so, and reads the server's limits.</summary>
    /// <exception cref="BeanstalkConnectionException">No usable connection could be made; the message says why.</exception>
    /// <exception cref="BeanstalkException">A TLS file cannot be used (<see cref="BeanstalkError.TlsSetup"/>).</exception>
    public static Task<BeanstalkClient> ConnectAsync(BeanstalkdOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Check();
        return ConnectAsync(options, options.Tls ? BeanstalkTls.Load(options) : null, cancellationToken);
    }

    internal static async Task<BeanstalkClient> ConnectAsync(BeanstalkdOptions options, BeanstalkTls? tls, CancellationToken cancellationToken)
    {
        var connection = await BeanstalkConnection.OpenAsync(options, tls, cancellationToken);
        var client = new BeanstalkClient(options, connection);
        try
        {
            var stats = await client.StatsCoreAsync("stats", null);
            client.MaxJobSize = stats is not null && stats.TryGetValue("max-job-size", out var max) && long.TryParse(max, out var bytes) ? bytes : 65535;
            client.ServerVersion = stats?.GetValueOrDefault("version") ?? "";
            return client;
        }
        catch (BeanstalkException ex)
        {
            await client.DisposeAsync();
            // With TLS 1.3 a server that wants a client certificate checks it after the client's handshake
            // is done, so its refusal shows up here, on the first exchange.
            var why = tls is null
                ? $"beanstalkd at {options.Endpoint} did not answer its first command (is it beanstalkd?): {ex.Message}"
                : $"beanstalkd at {options.Endpoint} (TLS) closed the connection after the handshake ({ex.Message}); "
                  + "a server that requires a client certificate (stunnel verify = 2) refuses a client without one, or with one it does not trust";
            throw new BeanstalkConnectionException(BeanstalkError.ConnectFailed, why, ex);
        }
    }

    /// <summary><c>use</c>: later puts go to <paramref name="tube"/>. Sent only when it changes.</summary>
    public async Task UseAsync(string tube, CancellationToken cancellationToken = default)
    {
        JobLimits.CheckTube(tube);
        await EnterAsync(cancellationToken);
        if (_used == tube)
        {
            return;
        }
        Command("use "u8, tube);
        var line = await SendAndReadLineAsync();
        if (!Reply.StartsWith(line.Span, "USING "u8))
        {
            throw Unexpected("use", line.Span);
        }
        _used = tube;
    }

    /// <summary>
    /// Makes the watch list exactly <paramref name="tubes"/>, sending <c>watch</c> and <c>ignore</c> only
    /// for the differences with the list this connection already has, all in one round trip.
    /// </summary>
    public async Task WatchOnlyAsync(IReadOnlyCollection<string> tubes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tubes);
        if (tubes.Count == 0)
        {
            throw new ArgumentException("at least one tube must be watched", nameof(tubes));
        }
        foreach (var tube in tubes)
        {
            JobLimits.CheckTube(tube, nameof(tubes));
        }
        await EnterAsync(cancellationToken);
        var wanted = tubes as IReadOnlySet<string> ?? new HashSet<string>(tubes, StringComparer.Ordinal);
        var add = wanted.Where(t => !_watched.Contains(t)).ToList();
        var drop = _watched.Where(t => !wanted.Contains(t)).ToList();
        if (add.Count == 0 && drop.Count == 0)
        {
            return;
        }
        // Watch before ignoring, so the list is never empty (the server refuses to ignore the last tube).
        foreach (var tube in add)
        {
            Command("watch "u8, tube);
        }
        foreach (var tube in drop)
        {
            Command("ignore "u8, tube);
        }
        BeanstalkException? failure = null;
        await SendAsync();
        foreach (var (tube, watch) in add.Select(t => (t, true)).Concat(drop.Select(t => (t, false))))
        {
            try
            {
                ParseWatching(watch ? "watch" : "ignore", await ReadLineAsync(_options.ReplyTimeout));
                if (watch)
                {
                    _watched.Add(tube);
                }
                else
                {
                    _watched.Remove(tube);
                }
            }
            catch (BeanstalkException ex) when (ex is not BeanstalkConnectionException && IsConnected)
            {
                failure ??= ex;
            }
        }
        if (failure is not null)
        {
            throw failure;
        }
    }

    /// <summary><c>put</c> on the used tube; returns the new job's id. Delay and TTR count in whole seconds (rounded up).</summary>
    /// <exception cref="BeanstalkException"><see cref="BeanstalkError.JobTooBig"/>, <see cref="BeanstalkError.Draining"/>, or <see cref="BeanstalkError.Buried"/> (stored, but buried: the server is out of memory).</exception>
    public async Task<long> PutAsync(ReadOnlyMemory<byte> body, uint priority, TimeSpan delay, TimeSpan ttr, CancellationToken cancellationToken = default)
    {
        var (delaySeconds, ttrSeconds) = (Seconds(delay, nameof(delay)), Seconds(ttr, nameof(ttr)));
        await EnterAsync(cancellationToken);
        AppendPut(body.Span, priority, delaySeconds, ttrSeconds);
        return ParsePut(await SendAndReadLineAsync(), body.Length);
    }

    /// <summary>
    /// Reserves a job from the watched tubes, waiting up to <paramref name="timeout"/> (negative: for ever); null
    /// when none came. The wait counts whole seconds, as beanstalkd does. <c>DEADLINE_SOON</c> (one of this
    /// connection's reservations is in its last second) means "nothing yet": the wait goes on. Cancelling returns
    /// at once; a job the server hands out after that is released back, as it was, before the next command.
    /// </summary>
    public async Task<BeanstalkJob?> ReserveAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        await EnterAsync(cancellationToken);
        var forever = timeout < TimeSpan.Zero;
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            var left = forever ? Slice : timeout - Stopwatch.GetElapsedTime(started);
            var seconds = left < PollThreshold ? 0u : (uint)Slice.TotalSeconds;
            Command("reserve-with-timeout "u8, seconds);
            var pending = SendAndReadReserveAsync(seconds);
            ReserveReply reply;
            try
            {
                reply = await (cancellationToken.CanBeCanceled ? pending.WaitAsync(cancellationToken) : pending);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // The server still owes a reply; the next command settles it first.
                _pendingReserve = pending;
                throw;
            }
            if (reply.Job is { } job)
            {
                return job;
            }
            if (seconds == 0 && !forever)
            {
                return null;
            }
            if (reply.DeadlineSoon)
            {
                left = forever ? DeadlineSoonPause : timeout - Stopwatch.GetElapsedTime(started);
                if (left > TimeSpan.Zero)
                {
                    await Task.Delay(left < DeadlineSoonPause ? left : DeadlineSoonPause, cancellationToken);
                }
            }
        }
    }

    /// <summary><c>delete</c>: false when the job is not found (or reserved by another connection).</summary>
    public async Task<bool> DeleteAsync(long id, CancellationToken cancellationToken = default)
    {
        await EnterAsync(cancellationToken);
        if (id < 0)
        {
            return false;
        }
        Command("delete "u8, (ulong)id);
        return ParseFound("delete", await SendAndReadLineAsync(), "DELETED"u8);
    }

    /// <summary><c>release</c> of a job this connection reserved: false when not found.</summary>
    /// <exception cref="BeanstalkException"><see cref="BeanstalkError.Buried"/>: the server had no memory to requeue it and buried it.</exception>
    public async Task<bool> ReleaseAsync(long id, uint priority, TimeSpan delay, CancellationToken cancellationToken = default)
    {
        var delaySeconds = Seconds(delay, nameof(delay));
        await EnterAsync(cancellationToken);
        if (id < 0)
        {
            return false;
        }
        return await ReleaseCoreAsync(id, priority, delaySeconds);
    }

    /// <summary><c>bury</c> of a job this connection reserved: false when not found.</summary>
    public async Task<bool> BuryAsync(long id, uint priority, CancellationToken cancellationToken = default)
    {
        await EnterAsync(cancellationToken);
        if (id < 0)
        {
            return false;
        }
        Command("bury "u8, (ulong)id, priority);
        return ParseFound("bury", await SendAndReadLineAsync(), "BURIED"u8);
    }

    /// <summary><c>touch</c>: restarts the TTR of a job this connection reserved; false when not found.</summary>
    public async Task<bool> TouchAsync(long id, CancellationToken cancellationToken = default)
    {
        await EnterAsync(cancellationToken);
        if (id < 0)
        {
            return false;
        }
        Command("touch "u8, (ulong)id);
        return ParseFound("touch", await SendAndReadLineAsync(), "TOUCHED"u8);
    }

    /// <summary><c>kick</c> on the used tube: up to <paramref name="bound"/> buried jobs (or, if none, delayed ones) become ready; returns how many.</summary>
    public async Task<long> KickAsync(long bound, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bound);
        await EnterAsync(cancellationToken);
        Command("kick "u8, (ulong)Math.Min(bound, uint.MaxValue));
        var line = await SendAndReadLineAsync();
        return Reply.TryNumberAfter(line.Span, "KICKED "u8, out var kicked) ? kicked : throw Unexpected("kick", line.Span);
    }

    /// <summary><c>peek-buried</c> on the used tube: the next buried job (the one a kick takes first); null when none is buried.</summary>
    public async Task<BeanstalkJob?> PeekBuriedAsync(CancellationToken cancellationToken = default)
    {
        await EnterAsync(cancellationToken);
        Command("peek-buried"u8);
        return await ReadPeekedAsync("peek-buried");
    }

    /// <summary><c>peek ID</c>: the job with that id in any tube and state; null when there is none.</summary>
    public async Task<BeanstalkJob?> PeekAsync(long id, CancellationToken cancellationToken = default)
    {
        await EnterAsync(cancellationToken);
        if (id < 0)
        {
            return null;
        }
        Command("peek "u8, (ulong)id);
        return await ReadPeekedAsync("peek");
    }

    /// <summary><c>peek-ready</c> on the used tube: the job a reserve would get next (lowest priority, then id); null when none is ready.</summary>
    public async Task<BeanstalkJob?> PeekReadyAsync(CancellationToken cancellationToken = default)
    {
        await EnterAsync(cancellationToken);
        Command("peek-ready"u8);
        return await ReadPeekedAsync("peek-ready");
    }

    // The reply of every peek command: FOUND <id> <bytes> and the body, or NOT_FOUND.
    private async Task<BeanstalkJob?> ReadPeekedAsync(string command)
    {
        var line = await SendAndReadLineAsync();
        if (Reply.Is(line.Span, "NOT_FOUND"u8))
        {
            return null;
        }
        if (!Reply.TryJob(line.Span, "FOUND "u8, out var id, out var length))
        {
            throw Unexpected(command, line.Span);
        }
        var body = await ReadBodyAsync(length);
        _connection.ReplyReceived();
        return new BeanstalkJob(id, body);
    }

    /// <summary><c>stats-tube</c>: the tube's figures by name; null when the tube does not exist.</summary>
    public async Task<IReadOnlyDictionary<string, string>?> StatsTubeAsync(string tube, CancellationToken cancellationToken = default)
    {
        JobLimits.CheckTube(tube);
        await EnterAsync(cancellationToken);
        return await StatsCoreAsync("stats-tube ", tube);
    }

    /// <summary><c>stats-job</c>: the job's figures (<c>tube</c>, <c>state</c>, <c>pri</c>, ...); null when not found.</summary>
    public async Task<IReadOnlyDictionary<string, string>?> StatsJobAsync(long id, CancellationToken cancellationToken = default)
    {
        await EnterAsync(cancellationToken);
        return id < 0 ? null : await StatsJobCoreAsync(id);
    }

    /// <summary><c>stats</c>: the server's figures.</summary>
    public async Task<IReadOnlyDictionary<string, string>> StatsAsync(CancellationToken cancellationToken = default)
    {
        await EnterAsync(cancellationToken);
        return await StatsCoreAsync("stats", null) ?? throw new BeanstalkException(BeanstalkError.UnexpectedReply, $"beanstalkd at {Endpoint} answered stats with NOT_FOUND");
    }

    /// <summary><c>list-tubes</c>: the tubes that exist.</summary>
    public async Task<IReadOnlyList<string>> ListTubesAsync(CancellationToken cancellationToken = default)
    {
        await EnterAsync(cancellationToken);
        Command("list-tubes"u8);
        var yaml = await ReadOkBodyAsync("list-tubes", await SendAndReadLineAsync());
        return yaml is null ? throw new BeanstalkException(BeanstalkError.UnexpectedReply, $"beanstalkd at {Endpoint} answered list-tubes with NOT_FOUND") : BeanstalkYaml.ParseList(yaml);
    }

    /// <summary>
    /// Puts every body on the used tube in one pipelined round trip; returns their ids in order. Every reply is
    /// read before an error is thrown, so the connection stays in step and the ids of jobs that went in are known
    /// from the exception's message.
    /// </summary>
    public async Task<long[]> PutManyAsync(IReadOnlyList<ReadOnlyMemory<byte>> bodies, uint priority, TimeSpan delay, TimeSpan ttr, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(bodies);
        var (delaySeconds, ttrSeconds) = (Seconds(delay, nameof(delay)), Seconds(ttr, nameof(ttr)));
        await EnterAsync(cancellationToken);
        foreach (var body in bodies)
        {
            AppendPut(body.Span, priority, delaySeconds, ttrSeconds);
        }
        var ids = new long[bodies.Count];
        BeanstalkException? failure = null;
        var inserted = 0;
        await PipelineAsync(bodies.Count, async i =>
        {
            try
            {
                ids[i] = ParsePut(await ReadLineAsync(_options.ReplyTimeout), bodies[i].Length);
                inserted++;
            }
            catch (BeanstalkException ex) when (ex is not BeanstalkConnectionException && IsConnected)
            {
                ids[i] = ex.JobId ?? -1;
                failure ??= ex;
            }
        });
        if (failure is not null)
        {
            throw new BeanstalkException(failure.Error, $"{inserted} of {bodies.Count} jobs went in ready; the first refusal: {failure.Message}", failure) { JobId = failure.JobId };
        }
        return ids;
    }

    /// <summary>Sends <paramref name="count"/> reserves that do not wait (<c>reserve-with-timeout 0</c>) in one round trip; returns the jobs that came.</summary>
    public async Task<IReadOnlyList<BeanstalkJob>> ReserveManyAsync(int count, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        await EnterAsync(cancellationToken);
        for (var i = 0; i < count; i++)
        {
            Command("reserve-with-timeout "u8, 0);
        }
        var jobs = new List<BeanstalkJob>(count);
        await PipelineAsync(count, async _ =>
        {
            if ((await ReadReserveReplyAsync(_options.ReplyTimeout)).Job is { } job)
            {
                jobs.Add(job);
            }
        });
        return jobs;
    }

    /// <summary>Deletes every job in one round trip; returns how many were deleted.</summary>
    public async Task<int> DeleteManyAsync(IReadOnlyList<long> ids, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ids);
        await EnterAsync(cancellationToken);
        foreach (var id in ids)
        {
            Command("delete "u8, (ulong)Math.Max(id, 0));
        }
        var deleted = 0;
        await PipelineAsync(ids.Count, async i =>
        {
            if (ParseFound("delete", await ReadLineAsync(_options.ReplyTimeout), "DELETED"u8) && ids[i] >= 0)
            {
                deleted++;
            }
        });
        return deleted;
    }

    /// <summary>Says <c>quit</c> and waits briefly for the server to hang up, so this connection's reservations are back in their tubes when it returns.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        if (_pendingReserve is { } pending)
        {
            // A reserve is still waiting on the server: hanging up is quicker than waiting for it.
            _connection.Abort("closed");
            try
            {
                await pending;
            }
            catch (BeanstalkException)
            {
            }
        }
        else
        {
            await _connection.QuitAsync(QuitWait);
        }
        await _connection.DisposeAsync();
    }

    /// <summary>
    /// True when the connection is closed, or is idle and the server has hung up (checked without a round trip).
    /// Jobs this connection reserved are then back in their tubes.
    /// </summary>
    internal bool LooksDead() => _connection.ClosedReason is not null || (_pendingReserve is null && _connection.IsUnusable());

    /// <summary>Why the connection closed, if it did.</summary>
    internal string? ClosedReason => _connection.ClosedReason;

    /// <summary><c>list-tube-used</c>, for its side effect: the server re-examines this connection's reservations.</summary>
    internal async Task PingAsync()
    {
        await EnterAsync(CancellationToken.None);
        _connection.Append("list-tube-used\r\n"u8);
        var line = await SendAndReadLineAsync();
        if (!Reply.StartsWith(line.Span, "USING "u8))
        {
            throw Unexpected("list-tube-used", line.Span);
        }
    }

    /// <summary>Writes <paramref name="raw"/> as it is and reads one reply line (protocol tests).</summary>
    internal async Task<string> SendRawAsync(byte[] raw)
    {
        await EnterAsync(CancellationToken.None);
        _connection.Append(raw);
        var line = await SendAndReadLineAsync();
        var text = Encoding.ASCII.GetString(line.Span);
        var error = Reply.Error(line.Span);
        if (error is not null)
        {
            throw Failure("raw command", line.Span);
        }
        return text;
    }

    private async ValueTask EnterAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed == 1, this);
        cancellationToken.ThrowIfCancellationRequested();
        if (_pendingReserve is not null)
        {
            await SettlePendingReserveAsync(cancellationToken);
        }
        if (_connection.ClosedReason is { } reason)
        {
            throw new BeanstalkConnectionException($"connection to beanstalkd at {Endpoint} lost: {reason}");
        }
    }

    // A reserve whose caller gave up may still have taken a job: hand it back as it was, so nothing is
    // lost and nothing waits for a TTR.
    private async Task SettlePendingReserveAsync(CancellationToken cancellationToken)
    {
        var pending = _pendingReserve!;
        ReserveReply reply;
        try
        {
            reply = await (cancellationToken.CanBeCanceled ? pending.WaitAsync(cancellationToken) : pending);
        }
        catch (BeanstalkException)
        {
            _pendingReserve = null;
            throw;
        }
        _pendingReserve = null;
        if (reply.Job is { } job && await StatsJobCoreAsync(job.Id) is { } stats)
        {
            var priority = uint.TryParse(stats.GetValueOrDefault("pri"), out var pri) ? pri : 0;
            await ReleaseCoreAsync(job.Id, priority, 0);
        }
    }

    private async Task<bool> ReleaseCoreAsync(long id, uint priority, ulong delaySeconds)
    {
        Command("release "u8, (ulong)id, priority, delaySeconds);
        var line = await SendAndReadLineAsync();
        if (Reply.Is(line.Span, "BURIED"u8))
        {
            throw new BeanstalkException(BeanstalkError.Buried, $"beanstalkd at {Endpoint} had no memory to requeue released job {id} and buried it") { JobId = id };
        }
        return ParseFound("release", line, "RELEASED"u8);
    }

    private async Task<Dictionary<string, string>?> StatsJobCoreAsync(long id)
    {
        Command("stats-job "u8, (ulong)id);
        var yaml = await ReadOkBodyAsync("stats-job", await SendAndReadLineAsync());
        return yaml is null ? null : BeanstalkYaml.ParseMapping(yaml);
    }

    private async Task<Dictionary<string, string>?> StatsCoreAsync(string command, string? tube)
    {
        _connection.AppendAscii(command);
        if (tube is not null)
        {
            _connection.AppendAscii(tube);
        }
        _connection.AppendLineEnd();
        var yaml = await ReadOkBodyAsync("stats", await SendAndReadLineAsync());
        return yaml is null ? null : BeanstalkYaml.ParseMapping(yaml);
    }

    private async Task<byte[]?> ReadOkBodyAsync(string command, ReadOnlyMemory<byte> line)
    {
        if (Reply.Is(line.Span, "NOT_FOUND"u8))
        {
            return null;
        }
        if (!Reply.TryNumberAfter(line.Span, "OK "u8, out var length) || length > int.MaxValue)
        {
            throw Unexpected(command, line.Span);
        }
        var body = await ReadBodyAsync((int)length);
        _connection.ReplyReceived();
        return body;
    }

    private async Task<ReserveReply> SendAndReadReserveAsync(uint seconds)
    {
        await SendAsync();
        return await ReadReserveReplyAsync(TimeSpan.FromSeconds(seconds) + _options.ReplyTimeout);
    }

    private async Task<ReserveReply> ReadReserveReplyAsync(TimeSpan allowance)
    {
        var line = await ReadLineAsync(allowance);
        var span = line.Span;
        if (Reply.Is(span, "TIMED_OUT"u8))
        {
            return default;
        }
        if (Reply.Is(span, "DEADLINE_SOON"u8))
        {
            return new ReserveReply(null, DeadlineSoon: true);
        }
        if (!Reply.TryReserved(span, out var id, out var length))
        {
            throw Unexpected("reserve", span);
        }
        _connection.ExpectReplyWithin(_options.ReplyTimeout);
        var body = await ReadBodyAsync(length);
        _connection.ReplyReceived();
        return new ReserveReply(new BeanstalkJob(id, body), DeadlineSoon: false);
    }

    // Writes and reads at once: with a long pipeline neither side may wait for the other to drain.
    private async Task PipelineAsync(int replies, Func<int, Task> readReply)
    {
        var sending = SendAsync();
        try
        {
            for (var i = 0; i < replies; i++)
            {
                await readReply(i);
            }
        }
        finally
        {
            try
            {
                await sending;
            }
            catch (BeanstalkException) when (!IsConnected)
            {
                // Already reported by the read that failed.
            }
        }
    }

    private Task SendAsync() => _connection.SendAsync();

    private async Task<ReadOnlyMemory<byte>> SendAndReadLineAsync()
    {
        await SendAsync();
        return await ReadLineAsync(_options.ReplyTimeout);
    }

    private async Task<ReadOnlyMemory<byte>> ReadLineAsync(TimeSpan allowance)
    {
        _connection.ExpectReplyWithin(allowance);
        var line = await _connection.ReadLineAsync();
        _connection.ReplyReceived();
        return line;
    }

    private ValueTask<byte[]> ReadBodyAsync(int length) => _connection.ReadBodyAsync(length);

    private void AppendPut(ReadOnlySpan<byte> body, uint priority, ulong delaySeconds, ulong ttrSeconds)
    {
        Command("put "u8, priority, delaySeconds, ttrSeconds, (ulong)body.Length);
        _connection.Append(body);
        _connection.AppendLineEnd();
    }

    private long ParsePut(ReadOnlyMemory<byte> line, int bodyLength)
    {
        var span = line.Span;
        if (Reply.TryNumberAfter(span, "INSERTED "u8, out var id))
        {
            return id;
        }
        if (Reply.TryNumberAfter(span, "BURIED "u8, out var buried))
        {
            throw new BeanstalkException(BeanstalkError.Buried, $"beanstalkd at {Endpoint} is out of memory: job {buried} was stored but buried") { JobId = buried };
        }
        if (Reply.Is(span, "JOB_TOO_BIG"u8))
        {
            throw new BeanstalkException(BeanstalkError.JobTooBig,
                $"beanstalkd at {Endpoint} refused a job body of {bodyLength} bytes: its max job size is {MaxJobSize} bytes (beanstalkd -z)");
        }
        if (Reply.Is(span, "DRAINING"u8))
        {
            throw new BeanstalkException(BeanstalkError.Draining, $"beanstalkd at {Endpoint} is draining (shutting down) and takes no new jobs");
        }
        throw Unexpected("put", span);
    }

    private int ParseWatching(string command, ReadOnlyMemory<byte> line)
    {
        if (Reply.TryNumberAfter(line.Span, "WATCHING "u8, out var count))
        {
            return (int)count;
        }
        if (Reply.Is(line.Span, "NOT_IGNORED"u8))
        {
            throw new BeanstalkException(BeanstalkError.NotIgnored, $"beanstalkd at {Endpoint} will not ignore the last watched tube");
        }
        throw Unexpected(command, line.Span);
    }

    private bool ParseFound(string command, ReadOnlyMemory<byte> line, ReadOnlySpan<byte> success) =>
        Reply.Is(line.Span, success) || (Reply.Is(line.Span, "NOT_FOUND"u8) ? false : throw Unexpected(command, line.Span));

    private void Command(ReadOnlySpan<byte> verb, string tube)
    {
        _connection.Append(verb);
        _connection.AppendAscii(tube);
        _connection.AppendLineEnd();
    }

    private void Command(ReadOnlySpan<byte> verb, params ReadOnlySpan<ulong> numbers)
    {
        _connection.Append(verb);
        for (var i = 0; i < numbers.Length; i++)
        {
            if (i > 0)
            {
                _connection.Append(" "u8);
            }
            _connection.AppendNumber(numbers[i]);
        }
        _connection.AppendLineEnd();
    }

    private BeanstalkException Unexpected(string command, ReadOnlySpan<byte> line) => Failure(command, line);

    // The generic replies any command may get; anything else is a reply this client does not understand.
    private BeanstalkException Failure(string command, ReadOnlySpan<byte> line)
    {
        var text = Printable(line);
        var error = Reply.Error(line) ?? BeanstalkError.UnexpectedReply;
        var message = error switch
        {
            BeanstalkError.OutOfMemory => $"beanstalkd at {Endpoint} is out of memory ({command})",
            BeanstalkError.InternalError => $"beanstalkd at {Endpoint} reported an internal error on {command} (a server bug)",
            BeanstalkError.UnknownCommand => $"beanstalkd at {Endpoint} does not know the command {command} (server version {ServerVersion})",
            BeanstalkError.BadFormat => $"beanstalkd at {Endpoint} could not parse {command} (BAD_FORMAT); the connection is dropped",
            BeanstalkError.ExpectedCrlf => $"beanstalkd at {Endpoint} found no CRLF after a job body (EXPECTED_CRLF); the connection is dropped",
            BeanstalkError.JobTooBig => $"beanstalkd at {Endpoint} refused a job body as larger than its max job size of {MaxJobSize} bytes (beanstalkd -z)",
            BeanstalkError.Draining => $"beanstalkd at {Endpoint} is draining (shutting down) and takes no new jobs",
            _ => $"beanstalkd at {Endpoint} answered {command} with '{text}', which this client does not understand; the connection is dropped",
        };
        if (error is BeanstalkError.BadFormat or BeanstalkError.ExpectedCrlf or BeanstalkError.UnexpectedReply)
        {
            // The server may be reading a body as commands, or we are reading its replies out of order.
            _connection.Abort($"out of step after {text}");
        }
        return new BeanstalkException(error, message);
    }

    private static string Printable(ReadOnlySpan<byte> line)
    {
        var text = Encoding.ASCII.GetString(line[..Math.Min(line.Length, 80)]);
        return new string(text.Select(c => char.IsControl(c) || c > '~' ? '?' : c).ToArray());
    }

    private static ulong Seconds(TimeSpan span, string name)
    {
        if (span < TimeSpan.Zero || span > TimeSpan.FromSeconds(uint.MaxValue))
        {
            throw new ArgumentOutOfRangeException(name, span, $"{name} must be between 0 and {uint.MaxValue} seconds");
        }
        return (ulong)Math.Ceiling(span.TotalSeconds);
    }

    private readonly record struct ReserveReply(BeanstalkJob? Job, bool DeadlineSoon);

    /// <summary>Reading reply lines without allocating: they are ASCII words and decimal numbers.</summary>
    private static class Reply
    {
        public static bool Is(ReadOnlySpan<byte> line, ReadOnlySpan<byte> word) => line.SequenceEqual(word);

        public static bool StartsWith(ReadOnlySpan<byte> line, ReadOnlySpan<byte> prefix) => line.StartsWith(prefix);

        public static bool TryNumberAfter(ReadOnlySpan<byte> line, ReadOnlySpan<byte> prefix, out long number)
        {
            number = 0;
            return line.StartsWith(prefix) && TryNumber(line[prefix.Length..], out number);
        }

        public static bool TryReserved(ReadOnlySpan<byte> line, out long id, out int length) => TryJob(line, "RESERVED "u8, out id, out length);

        /// <summary><c>WORD id bytes</c>, as <c>RESERVED</c> and <c>FOUND</c> announce a job.</summary>
        public static bool TryJob(ReadOnlySpan<byte> line, ReadOnlySpan<byte> word, out long id, out int length)
        {
            (id, length) = (0, 0);
            if (!line.StartsWith(word))
            {
                return false;
            }
            var rest = line[word.Length..];
            var space = rest.IndexOf((byte)' ');
            if (space < 0 || !TryNumber(rest[..space], out id) || !TryNumber(rest[(space + 1)..], out var bytes) || bytes > int.MaxValue)
            {
                return false;
            }
            length = (int)bytes;
            return true;
        }

        public static BeanstalkError? Error(ReadOnlySpan<byte> line) =>
            Is(line, "OUT_OF_MEMORY"u8) ? BeanstalkError.OutOfMemory
            : Is(line, "INTERNAL_ERROR"u8) ? BeanstalkError.InternalError
            : Is(line, "BAD_FORMAT"u8) ? BeanstalkError.BadFormat
            : Is(line, "UNKNOWN_COMMAND"u8) ? BeanstalkError.UnknownCommand
            : Is(line, "EXPECTED_CRLF"u8) ? BeanstalkError.ExpectedCrlf
            : Is(line, "JOB_TOO_BIG"u8) ? BeanstalkError.JobTooBig
            : Is(line, "DRAINING"u8) ? BeanstalkError.Draining
            : null;

        private static bool TryNumber(ReadOnlySpan<byte> text, out long number) =>
            Utf8Parser.TryParse(text, out number, out var consumed) && consumed == text.Length && consumed > 0 && number >= 0;
    }
}
