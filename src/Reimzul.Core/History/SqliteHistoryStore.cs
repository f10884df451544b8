using System.Globalization;
using Microsoft.Data.Sqlite;
using Reimzul.Messages;

namespace Reimzul.History;

/// <summary>
/// The build history in one SQLite file (WAL mode), the embedded default. Several processes may
/// open the same file: every change is one immediate transaction and waits for the others' locks.
/// </summary>
public sealed class SqliteHistoryStore : IHistoryStore
{
    private const string Columns = """
        srpm, arch, target, disttag, scratch, submitter, build_id, status, builder_fqdn, evr,
        pkgname, timestamp, latest_build, comment, reason, recorded_at, duration_s
        """;

    // Must match the unique index ux_build_history_event exactly, so the lookup uses it.
    private const string SameEvent = """
        ifnull(build_id, '') = $build_id AND arch = $arch AND timestamp = $timestamp
        AND arrived_status = $status AND srpm = $srpm AND target = $target
        """;

    private readonly SqliteConnection connection;
    private readonly TimeProvider time;

    // One connection per store, and a connection serves one command at a time.
    private readonly SemaphoreSlim gate = new(1, 1);

    private SqliteHistoryStore(SqliteConnection connection, TimeProvider time)
    {
        this.connection = connection;
        this.time = time;
    }

    /// <summary>Opens (creating when missing, with its directory) the history database at <paramref name="databasePath"/>.</summary>
    public static Task<SqliteHistoryStore> OpenAsync(string databasePath, CancellationToken ct = default) =>
        OpenAsync(databasePath, TimeProvider.System, ct);

    /// <summary>As <see cref="OpenAsync(string, CancellationToken)"/>, stamping <c>recorded_at</c> from <paramref name="time"/>.</summary>
    public static async Task<SqliteHistoryStore> OpenAsync(string databasePath, TimeProvider time, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(databasePath);
        ArgumentNullException.ThrowIfNull(time);
        var fullPath = Path.GetFullPath(databasePath);
        Directory.CreateDirectory(Path.GetDirectoryName(fullPath)!);

        var connection = new SqliteConnection(SqliteHistorySchema.ConnectionString(fullPath));
        try
        {
            await connection.OpenAsync(ct);
            await SqliteHistorySchema.PrepareAsync(connection, fullPath, ct);
            return new SqliteHistoryStore(connection, time);
        }
        catch (SqliteException ex)
        {
            await connection.DisposeAsync();
            throw new InvalidOperationException($"cannot open the build history {fullPath}: {ex.Message}", ex);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public async Task<bool> RecordAsync(BuildEvent buildEvent, CancellationToken cancellationToken = default) =>
        (await RecordManyAsync([buildEvent], cancellationToken))[0];

    public async Task<IReadOnlyList<bool>> RecordManyAsync(IReadOnlyList<BuildEvent> buildEvents, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(buildEvents);
        foreach (var buildEvent in buildEvents)
        {
            HistoryKeys.CheckEvent(buildEvent);
        }
        return await OneAtATimeAsync<IReadOnlyList<bool>>(async () =>
        {
            using var transaction = connection.BeginTransaction();
            var recorded = new bool[buildEvents.Count];
            using (var statements = new SqliteRecordStatements(connection, transaction, Columns, time))
            {
                for (var i = 0; i < buildEvents.Count; i++)
                {
                    recorded[i] = await statements.RecordAsync(buildEvents[i], cancellationToken);
                }
            }
            await transaction.CommitAsync(cancellationToken);
            return recorded;
        }, cancellationToken);
    }

    public async Task<bool> ContainsAsync(BuildEvent buildEvent, CancellationToken cancellationToken = default) =>
        (await ContainsManyAsync([buildEvent], cancellationToken))[0];

    public async Task<IReadOnlyList<bool>> ContainsManyAsync(IReadOnlyList<BuildEvent> buildEvents, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(buildEvents);
        foreach (var buildEvent in buildEvents)
        {
            HistoryKeys.CheckEvent(buildEvent);
        }
        return await OneAtATimeAsync<IReadOnlyList<bool>>(async () =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT EXISTS (SELECT 1 FROM build_history WHERE {SameEvent});";
            var found = new bool[buildEvents.Count];
            for (var i = 0; i < buildEvents.Count; i++)
            {
                command.Parameters.Clear();
                AddEventKey(command, buildEvents[i]);
                found[i] = Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture) != 0;
            }
            return found;
        }, cancellationToken);
    }

    public async Task<IReadOnlyList<BuildRecord>> QueryAsync(string status, string? target, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(status);
        return await OneAtATimeAsync<IReadOnlyList<BuildRecord>>(async () =>
        {
            using var command = connection.CreateCommand();
            // As the original query tool: Building records never carry latest_build, results must; Canceled ones never do
            // either. The literals let
            // SQLite use the partial indexes, which it cannot do for a bound parameter.
            var sql = status == BuildStatus.Building
                ? $"SELECT {Columns} FROM build_history WHERE status = 'Building'"
                : status == BuildStatus.Canceled
                ? $"SELECT {Columns} FROM build_history WHERE status = 'Canceled'"
                : $"SELECT {Columns} FROM build_history WHERE status = $status AND latest_build = 1";
            if (target is not null)
            {
                sql += " AND target = $target";
                command.Parameters.AddWithValue("$target", target);
            }
            command.CommandText = sql + " ORDER BY id;";
            command.Parameters.AddWithValue("$status", status);
            return await ReadRecordsAsync(command, cancellationToken);
        }, cancellationToken);
    }

    public async Task<IReadOnlyList<BuildRecord>> LatestAsync(string target, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(target);
        return await OneAtATimeAsync(async () =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT {Columns} FROM build_history WHERE target = $target AND latest_build = 1 ORDER BY id;";
            command.Parameters.AddWithValue("$target", target);
            return await ReadRecordsAsync(command, cancellationToken);
        }, cancellationToken);
    }

    public async Task<bool> ImportAsync(BuildRecord record, CancellationToken cancellationToken = default)
    {
        HistoryKeys.CheckRecord(record);
        return await OneAtATimeAsync(async () =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"""
                INSERT INTO build_history ({Columns}, arrived_status)
                VALUES ($srpm, $arch, $target, $disttag, $scratch, $submitter, $build_id_or_null, $record_status, $builder_fqdn, $evr,
                        $pkgname, $timestamp, $latest_build, $comment, $reason, $recorded_at, $duration_s, $status)
                ON CONFLICT DO NOTHING;
                """;
            command.Parameters.AddWithValue("$build_id", record.BuildId ?? "");
            command.Parameters.AddWithValue("$arch", record.Arch);
            command.Parameters.AddWithValue("$timestamp", record.Timestamp);
            command.Parameters.AddWithValue("$status", HistoryKeys.ArrivedStatus(record.Status));
            command.Parameters.AddWithValue("$record_status", record.Status);
            command.Parameters.AddWithValue("$srpm", record.Srpm);
            command.Parameters.AddWithValue("$target", record.Target);
            command.Parameters.AddWithValue("$disttag", record.Disttag);
            command.Parameters.AddWithValue("$scratch", record.Scratch);
            command.Parameters.AddWithValue("$submitter", (object?)record.Submitter ?? DBNull.Value);
            command.Parameters.AddWithValue("$build_id_or_null", (object?)record.BuildId ?? DBNull.Value);
            command.Parameters.AddWithValue("$builder_fqdn", record.BuilderFqdn);
            command.Parameters.AddWithValue("$evr", record.Evr);
            command.Parameters.AddWithValue("$pkgname", record.PkgName);
            command.Parameters.AddWithValue("$latest_build", record.LatestBuild);
            command.Parameters.AddWithValue("$comment", (object?)record.Comment ?? DBNull.Value);
            command.Parameters.AddWithValue("$reason", (object?)record.Reason ?? DBNull.Value);
            command.Parameters.AddWithValue("$recorded_at", record.RecordedAt.ToUniversalTime().ToString("o", CultureInfo.InvariantCulture));
            command.Parameters.AddWithValue("$duration_s", (object?)record.DurationSeconds ?? DBNull.Value);
            return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
        }, cancellationToken);
    }

    public async Task<bool> OverrideAsync(string srpm, string target, string arch, string comment, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(srpm);
        ArgumentException.ThrowIfNullOrWhiteSpace(target);
        ArgumentException.ThrowIfNullOrWhiteSpace(arch);
        ArgumentException.ThrowIfNullOrWhiteSpace(comment);
        return await OneAtATimeAsync(async () =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = """
                UPDATE build_history SET status = $override, comment = $comment
                WHERE id = (SELECT max(id) FROM build_history
                            WHERE srpm = $srpm AND target = $target AND arch = $arch AND latest_build = 1);
                """;
            command.Parameters.AddWithValue("$override", BuildStatus.Override);
            command.Parameters.AddWithValue("$comment", comment);
            command.Parameters.AddWithValue("$srpm", srpm);
            command.Parameters.AddWithValue("$target", target);
            command.Parameters.AddWithValue("$arch", arch);
            return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
        }, cancellationToken);
    }

    public async Task<BuildPage> ListAsync(BuildQuery query, CancellationToken cancellationToken = default)
    {
        BuildQuery.Check(query);
        var before = HistoryCursor.ParseId(query.Cursor);
        return await OneAtATimeAsync(async () =>
        {
            using var command = connection.CreateCommand();
            // The literal "status <> 'Done'" lets SQLite use the partial indexes of the read model.
            var sql = new System.Text.StringBuilder($"SELECT {Columns}, id FROM build_history WHERE status <> 'Done'");
            void Filter(string column, object? value)
            {
                if (value is not null)
                {
                    sql.Append(CultureInfo.InvariantCulture, $" AND {column} = ${column}");
                    command.Parameters.AddWithValue("$" + column, value);
                }
            }
            Filter("status", query.Status);
            Filter("target", query.Target);
            Filter("arch", query.Arch);
            Filter("pkgname", query.PkgName);
            Filter("submitter", query.Submitter);
            if (query.Since is { } since)
            {
                sql.Append(" AND recorded_at >= $since");
                command.Parameters.AddWithValue("$since", since.ToUniversalTime().ToString("o", CultureInfo.InvariantCulture));
            }
            if (query.Until is { } until)
            {
                sql.Append(" AND recorded_at < $until");
                command.Parameters.AddWithValue("$until", until.ToUniversalTime().ToString("o", CultureInfo.InvariantCulture));
            }
            if (before is { } id)
            {
                sql.Append(" AND id < $before");
                command.Parameters.AddWithValue("$before", id);
            }
            // One more than asked says whether another page follows.
            sql.Append(" ORDER BY id DESC LIMIT $limit;");
            command.Parameters.AddWithValue("$limit", query.Limit + 1);
            command.CommandText = sql.ToString();
            var records = new List<BuildRecord>();
            var ids = new List<long>();
            using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                records.Add(ReadRecord(reader));
                ids.Add(reader.GetInt64(17));
            }
            return HistoryCursor.Page(records, ids, query.Limit);
        }, cancellationToken);
    }

    public async Task<IReadOnlyList<BuildRecord>> BuildAsync(string buildId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(buildId);
        return await OneAtATimeAsync(async () =>
        {
            using var command = connection.CreateCommand();
            // ifnull(...) as in the unique index, which leads with it.
            command.CommandText = $"SELECT {Columns} FROM build_history WHERE ifnull(build_id, '') = $build_id ORDER BY id;";
            command.Parameters.AddWithValue("$build_id", buildId);
            return await ReadRecordsAsync(command, cancellationToken);
        }, cancellationToken);
    }

    public async Task<IReadOnlyList<BuildRecord>> BuildingAsync(CancellationToken cancellationToken = default) =>
        await OneAtATimeAsync(async () =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT {Columns} FROM build_history WHERE status = 'Building' ORDER BY id;";
            return await ReadRecordsAsync(command, cancellationToken);
        }, cancellationToken);

    public async Task<IReadOnlyList<BuilderSeen>> BuildersSeenAsync(DateTimeOffset since, CancellationToken cancellationToken = default) =>
        await OneAtATimeAsync<IReadOnlyList<BuilderSeen>>(async () =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = """
                SELECT builder_fqdn, max(recorded_at) FROM build_history
                WHERE recorded_at >= $since AND builder_fqdn <> '' GROUP BY builder_fqdn ORDER BY builder_fqdn;
                """;
            command.Parameters.AddWithValue("$since", since.ToUniversalTime().ToString("o", CultureInfo.InvariantCulture));
            var builders = new List<BuilderSeen>();
            using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                builders.Add(new BuilderSeen
                {
                    Name = reader.GetString(0),
                    LastSeen = DateTimeOffset.Parse(reader.GetString(1), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind),
                });
            }
            return builders;
        }, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await connection.DisposeAsync();
        gate.Dispose();
    }

    private async Task<T> OneAtATimeAsync<T>(Func<Task<T>> work, CancellationToken ct)
    {
        await gate.WaitAsync(ct);
        try
        {
            return await work();
        }
        finally
        {
            gate.Release();
        }
    }

    private static void AddEventKey(SqliteCommand command, BuildEvent e)
    {
        command.Parameters.AddWithValue("$build_id", e.BuildId ?? "");
        command.Parameters.AddWithValue("$arch", e.Arch);
        command.Parameters.AddWithValue("$timestamp", e.Timestamp);
        command.Parameters.AddWithValue("$status", e.Status);
        command.Parameters.AddWithValue("$srpm", e.Srpm);
        command.Parameters.AddWithValue("$target", e.Target);
    }

    private static async Task<IReadOnlyList<BuildRecord>> ReadRecordsAsync(SqliteCommand command, CancellationToken ct)
    {
        var records = new List<BuildRecord>();
        using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            records.Add(ReadRecord(reader));
        }
        return records;
    }

    private static BuildRecord ReadRecord(SqliteDataReader reader) => new()
    {
        Srpm = reader.GetString(0),
        Arch = reader.GetString(1),
        Target = reader.GetString(2),
        Disttag = reader.GetString(3),
        Scratch = reader.GetBoolean(4),
        Submitter = StringOrNull(reader, 5),
        BuildId = StringOrNull(reader, 6),
        Status = reader.GetString(7),
        BuilderFqdn = reader.GetString(8),
        Evr = reader.GetString(9),
        PkgName = reader.GetString(10),
        Timestamp = reader.GetString(11),
        LatestBuild = reader.GetBoolean(12),
        Comment = StringOrNull(reader, 13),
        Reason = StringOrNull(reader, 14),
        RecordedAt = DateTimeOffset.Parse(reader.GetString(15), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind),
        DurationSeconds = reader.IsDBNull(16) ? null : reader.GetDouble(16),
    };

    private static string? StringOrNull(SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
}
