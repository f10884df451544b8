using Microsoft.Data.Sqlite;

namespace Reimzul.Notify;

/// <summary>
/// The durable outbox of mail and MQTT deliveries, a SQLite file (WAL, synchronous = FULL, like the queue and the
/// history). An entry is keyed by (event key, sink) and inserted idempotently, and a delivered entry is kept (marked,
/// pruned after <see cref="KeepDelivered"/>), so an event that comes again is never delivered again.
/// </summary>
public sealed class NotificationOutbox : IAsyncDisposable
{
    /// <summary>How long a delivered entry is remembered; the history catches a redelivery after that.</summary>
    public static readonly TimeSpan KeepDelivered = TimeSpan.FromDays(30);

    private const string Schema = """
        CREATE TABLE IF NOT EXISTS outbox (
            id INTEGER PRIMARY KEY,
            event_key TEXT NOT NULL,
            sink TEXT NOT NULL,
            event_json TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at INTEGER NOT NULL,
            last_error TEXT,
            delivered_at INTEGER,
            UNIQUE (event_key, sink));
        CREATE INDEX IF NOT EXISTS outbox_due ON outbox (sink, next_attempt_at, id) WHERE delivered_at IS NULL;
        """;

    private readonly SqliteConnection connection;
    private readonly TimeProvider time;
    private readonly SemaphoreSlim oneAtATime = new(1, 1);
    private readonly Dictionary<string, WakeSignal> wakes = new(StringComparer.Ordinal);

    private NotificationOutbox(SqliteConnection connection, TimeProvider time)
    {
        this.connection = connection;
        this.time = time;
    }

    /// <exception cref="InvalidOperationException">The file cannot be opened as the outbox.</exception>
    public static async Task<NotificationOutbox> OpenAsync(string databasePath, TimeProvider time, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(databasePath);
        ArgumentNullException.ThrowIfNull(time);
        var fullPath = Path.GetFullPath(databasePath);
        Directory.CreateDirectory(Path.GetDirectoryName(fullPath)!);
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = fullPath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        }.ToString());
        try
        {
            await connection.OpenAsync(ct);
            await ExecuteAsync(connection, "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;", ct);
            await ExecuteAsync(connection, Schema, ct);
            return new NotificationOutbox(connection, time);
        }
        catch (SqliteException ex)
        {
            await connection.DisposeAsync();
            throw new InvalidOperationException($"cannot open the notification outbox {fullPath}: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// Adds one delivery of the event per sink in one transaction; a (key, sink) already there, pending or delivered,
    /// is left as it is. Returns how many were new. Wakes the delivery loops of those sinks.
    /// </summary>
    public Task<int> AddAsync(string eventKey, string eventJson, IReadOnlyCollection<string> sinks, CancellationToken ct) =>
        AddManyAsync([new OutboxAddition(eventKey, eventJson, sinks)], ct);

    /// <summary>The deliveries of several events, in one transaction (one commit for all); as <see cref="AddAsync"/> otherwise.</summary>
    public async Task<int> AddManyAsync(IReadOnlyList<OutboxAddition> additions, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(additions);
        foreach (var addition in additions)
        {
            ArgumentException.ThrowIfNullOrEmpty(addition.EventKey);
            ArgumentException.ThrowIfNullOrEmpty(addition.EventJson);
            ArgumentNullException.ThrowIfNull(addition.Sinks);
        }
        if (additions.All(a => a.Sinks.Count == 0))
        {
            return 0;
        }
        var added = await OneAtATimeAsync(async () =>
        {
            using var transaction = connection.BeginTransaction();
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = """
                INSERT INTO outbox (event_key, sink, event_json, created_at, next_attempt_at)
                VALUES ($key, $sink, $json, $now, $now) ON CONFLICT (event_key, sink) DO NOTHING;
                """;
            var key = command.Parameters.Add("$key", SqliteType.Text);
            var json = command.Parameters.Add("$json", SqliteType.Text);
            var sink = command.Parameters.Add("$sink", SqliteType.Text);
            command.Parameters.AddWithValue("$now", Now());
            var count = 0;
            foreach (var addition in additions)
            {
                key.Value = addition.EventKey;
                json.Value = addition.EventJson;
                foreach (var name in addition.Sinks)
                {
                    sink.Value = name;
                    count += await command.ExecuteNonQueryAsync(ct);
                }
            }
            await transaction.CommitAsync(ct);
            return count;
        }, ct);
        foreach (var name in additions.SelectMany(a => a.Sinks).Distinct(StringComparer.Ordinal))
        {
            WakeFor(name).Set();
        }
        return added;
    }

    /// <summary>The oldest deliveries due now for <paramref name="sink"/>, oldest first.</summary>
    public Task<IReadOnlyList<OutboxEntry>> DueAsync(string sink, int limit, CancellationToken ct) => OneAtATimeAsync<IReadOnlyList<OutboxEntry>>(async () =>
    {
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT id, event_key, event_json, attempts FROM outbox
            WHERE sink = $sink AND delivered_at IS NULL AND next_attempt_at <= $now ORDER BY id LIMIT $limit;
            """;
        command.Parameters.AddWithValue("$sink", sink);
        command.Parameters.AddWithValue("$now", Now());
        command.Parameters.AddWithValue("$limit", limit);
        var entries = new List<OutboxEntry>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            entries.Add(new OutboxEntry(reader.GetInt64(0), sink, reader.GetString(1), reader.GetString(2), reader.GetInt32(3)));
        }
        return entries;
    }, ct);

    /// <summary>When the next pending delivery of <paramref name="sink"/> is due, or null when none is pending.</summary>
    public Task<DateTimeOffset?> NextDueAsync(string sink, CancellationToken ct) => OneAtATimeAsync(async () =>
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT min(next_attempt_at) FROM outbox WHERE sink = $sink AND delivered_at IS NULL;";
        command.Parameters.AddWithValue("$sink", sink);
        return await command.ExecuteScalarAsync(ct) is long ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : (DateTimeOffset?)null;
    }, ct);

    public Task MarkDeliveredAsync(long id, CancellationToken ct) =>
        UpdateAsync("UPDATE outbox SET delivered_at = $now WHERE id = $id;", id, null, null, ct);

    /// <summary>Gives up on a delivery that can never be made (e.g. an unreadable entry); kept, with the reason, as delivered.</summary>
    public Task MarkDroppedAsync(long id, string reason, CancellationToken ct) =>
        UpdateAsync("UPDATE outbox SET delivered_at = $now, last_error = $error WHERE id = $id;", id, reason, null, ct);

    public Task MarkFailedAsync(long id, string error, DateTimeOffset retryAt, CancellationToken ct) =>
        UpdateAsync("UPDATE outbox SET attempts = attempts + 1, last_error = $error, next_attempt_at = $retry WHERE id = $id;", id, error, retryAt, ct);

    /// <summary>Forgets deliveries made longer ago than <see cref="KeepDelivered"/>; returns how many.</summary>
    public Task<int> PruneAsync(CancellationToken ct) => OneAtATimeAsync(async () =>
    {
        using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM outbox WHERE delivered_at IS NOT NULL AND delivered_at < $before;";
        command.Parameters.AddWithValue("$before", (time.GetUtcNow() - KeepDelivered).ToUnixTimeMilliseconds());
        return await command.ExecuteNonQueryAsync(ct);
    }, ct);

    /// <summary>Per sink: pending and delivered counts, the oldest pending entry and the last error of a pending one.</summary>
    public Task<IReadOnlyList<OutboxDepth>> DepthAsync(CancellationToken ct) => OneAtATimeAsync(() => ReadDepthAsync(connection, ct), ct);

    /// <summary>The depth as <see cref="DepthAsync"/>, read from the file without opening it for writing; empty when there is no outbox yet.</summary>
    public static async Task<IReadOnlyList<OutboxDepth>> ReadDepthAsync(string databasePath, CancellationToken ct)
    {
        if (!File.Exists(databasePath))
        {
            return [];
        }
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = databasePath,
            Mode = SqliteOpenMode.ReadOnly,
            Pooling = false,
        }.ToString());
        await connection.OpenAsync(ct);
        await ExecuteAsync(connection, "PRAGMA busy_timeout = 10000;", ct);
        return await ReadDepthAsync(connection, ct);
    }

    /// <summary>Signalled when a delivery for <paramref name="sink"/> is added.</summary>
    public WakeSignal WakeFor(string sink)
    {
        lock (wakes)
        {
            if (!wakes.TryGetValue(sink, out var wake))
            {
                wakes[sink] = wake = new WakeSignal();
            }
            return wake;
        }
    }

    private static async Task<IReadOnlyList<OutboxDepth>> ReadDepthAsync(SqliteConnection connection, CancellationToken ct)
    {
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT sink,
                   sum(delivered_at IS NULL),
                   min(CASE WHEN delivered_at IS NULL THEN created_at END),
                   sum(delivered_at IS NOT NULL),
                   (SELECT last_error FROM outbox o2 WHERE o2.sink = o.sink AND o2.delivered_at IS NULL AND o2.last_error IS NOT NULL ORDER BY id LIMIT 1)
            FROM outbox o GROUP BY sink ORDER BY sink;
            """;
        var depths = new List<OutboxDepth>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            depths.Add(new OutboxDepth(
                reader.GetString(0),
                reader.GetInt64(1),
                reader.IsDBNull(2) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)),
                reader.GetInt64(3),
                reader.IsDBNull(4) ? null : reader.GetString(4)));
        }
        return depths;
    }

    private Task<bool> UpdateAsync(string sql, long id, string? error, DateTimeOffset? retryAt, CancellationToken ct) => OneAtATimeAsync(async () =>
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("$id", id);
        command.Parameters.AddWithValue("$now", Now());
        command.Parameters.AddWithValue("$error", (object?)error ?? DBNull.Value);
        command.Parameters.AddWithValue("$retry", retryAt?.ToUnixTimeMilliseconds() ?? 0);
        await command.ExecuteNonQueryAsync(ct);
        return true;
    }, ct);

    private long Now() => time.GetUtcNow().ToUnixTimeMilliseconds();

    private async Task<T> OneAtATimeAsync<T>(Func<Task<T>> work, CancellationToken ct)
    {
        await oneAtATime.WaitAsync(ct);
        try
        {
            return await work();
        }
        finally
        {
            oneAtATime.Release();
        }
    }

    private static async Task ExecuteAsync(SqliteConnection connection, string sql, CancellationToken ct)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(ct);
    }

    public async ValueTask DisposeAsync()
    {
        await connection.DisposeAsync();
        oneAtATime.Dispose();
    }

}
