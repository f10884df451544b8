using Microsoft.Data.Sqlite;

namespace Reimzul.Queue.Embedded;

/// <summary>
/// The <c>embedded</c> queue backend: a durable queue with beanstalkd semantics in one SQLite file (WAL mode),
/// shared by every session of this process and by other processes on the same host that open the same file.
/// </summary>
public sealed class EmbeddedJobQueueFactory : IJobQueueFactory
{
    private readonly Lock _initializeLock = new();
    private volatile bool _initialized;

    /// <summary>Opens sessions on the queue in <paramref name="databasePath"/>; the file, its directory and schema are created on first use.</summary>
    public EmbeddedJobQueueFactory(string databasePath, TimeProvider? timeProvider = null)
        : this(databasePath, timeProvider, ProcessIdentity.Current)
    {
    }

    /// <summary>Sessions opened here are recorded as owned by <paramref name="owner"/> (tests stand in for another process this way).</summary>
    internal EmbeddedJobQueueFactory(string databasePath, TimeProvider? timeProvider, ProcessIdentity owner)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(databasePath);
        DatabasePath = Path.GetFullPath(databasePath);
        Time = timeProvider ?? TimeProvider.System;
        Owner = owner;
        Signal = new WakeSignal();
        WakeFile = new WakeFile(DatabasePath, Signal);
        Heartbeat = new SessionHeartbeat(DatabasePath, Time, owner);
    }

    /// <summary>The queue's SQLite file.</summary>
    public string DatabasePath { get; }

    /// <summary>A waiting reserve looks at the database at least this often, whatever signals it missed.</summary>
    internal TimeSpan FallbackRecheck { get; init; } = TimeSpan.FromSeconds(1);

    internal TimeProvider Time { get; }

    internal ProcessIdentity Owner { get; }

    internal WakeSignal Signal { get; }

    internal WakeFile WakeFile { get; }

    internal SessionHeartbeat Heartbeat { get; }

    internal WriteGate Writes { get; } = new();

    /// <summary>A producer never reserves, so it is not recorded as a session: opening and closing it writes nothing.</summary>
    public Task<IJobProducer> OpenProducerAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        EnsureInitialized();
        try
        {
            return Task.FromResult<IJobProducer>(new EmbeddedJobQueue(this, QueueDatabase.Open(DatabasePath), EmbeddedJobQueue.NoSession));
        }
        catch (SqliteException ex)
        {
            throw new InvalidOperationException($"cannot open a session on queue database '{DatabasePath}': {ex.Message}", ex);
        }
    }

    public async Task<IJobConsumer> OpenConsumerAsync(CancellationToken cancellationToken = default) => await OpenSessionAsync(cancellationToken);

    public async Task<IQueueAdmin> OpenAdminAsync(CancellationToken cancellationToken = default) => await OpenSessionAsync(cancellationToken);

    /// <summary>A session that can do everything; each side above hands out one of these.</summary>
    internal async Task<EmbeddedJobQueue> OpenSessionAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        EnsureInitialized();
        SqliteConnection? connection = null;
        using var turn = await Writes.EnterAsync(cancellationToken);
        try
        {
            connection = QueueDatabase.Open(DatabasePath);
            var session = connection.ScalarInt64(null,
                "INSERT INTO sessions (pid, started, host, last_seen) VALUES (@pid, @started, @host, @now) RETURNING id",
                ("@pid", Owner.Pid), ("@started", Owner.StartTicks), ("@host", Owner.Host), ("@now", Time.GetUtcNow().ToUnixTimeMilliseconds()))!.Value;
            Heartbeat.SessionOpened();
            return new EmbeddedJobQueue(this, connection, session);
        }
        catch (SqliteException ex)
        {
            connection?.Dispose();
            throw new InvalidOperationException($"cannot open a session on queue database '{DatabasePath}': {ex.Message}", ex);
        }
    }

    /// <summary>Tells waiting sessions, here and in other processes, that a job may have become ready.</summary>
    internal void Announce()
    {
        Signal.Pulse();
        WakeFile.Touch();
    }

    private void EnsureInitialized()
    {
        if (_initialized)
        {
            return;
        }
        lock (_initializeLock)
        {
            if (_initialized)
            {
                return;
            }
            try
            {
                QueueDatabase.Initialize(DatabasePath);
            }
            catch (Exception ex) when (ex is SqliteException or IOException or UnauthorizedAccessException)
            {
                throw new InvalidOperationException($"cannot open queue database '{DatabasePath}': {ex.Message}", ex);
            }
            _initialized = true;
        }
    }
}
