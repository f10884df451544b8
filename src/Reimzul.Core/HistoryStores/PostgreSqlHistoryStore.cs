using System.Net.Sockets;
using Npgsql;
using Reimzul.History;
using Reimzul.Messages;

namespace Reimzul.HistoryStores;

/// <summary>
/// The build history in a PostgreSQL table, for many machines or a history shared with other tools. Behaves as
/// <see cref="SqliteHistoryStore"/>: the same keys and the same rules for <c>latest_build</c>. Several notifiers
/// may share one database: a record takes an advisory lock on its (srpm, target, arch) for its transaction.
/// </summary>
public sealed class PostgreSqlHistoryStore : IHistoryStore
{
    private const string SupersededComment = "superseded by a retry";

    private const string Columns = """
        srpm, arch, target, disttag, scratch, submitter, build_id, status, builder_fqdn, evr,
        pkgname, timestamp, latest_build, comment, reason, recorded_at, duration_s
        """;

    // Must match the unique index ux_build_history_event, so the lookup uses it.
    private const string SameEvent = """
        coalesce(build_id, '') = @build_id AND arch = @arch AND timestamp = @timestamp
        AND arrived_status = @status AND srpm = @srpm AND target = @target
        """;

    private readonly NpgsqlDataSource dataSource;
    private readonly TimeProvider time;
    private readonly string name;

    private PostgreSqlHistoryStore(NpgsqlDataSource dataSource, TimeProvider time, string name)
    {
        this.dataSource = dataSource;
        this.time = time;
        this.name = name;
    }

    /// <summary>
    /// Connects with an Npgsql connection string (<c>Host=…;Database=…;Username=…</c>), the password read from
    /// <paramref name="passwordFile"/> when given, and migrates the schema to this program's version.
    /// </summary>
    /// <exception cref="ArgumentException">The connection string cannot be parsed.</exception>
    /// <exception cref="HistoryUnavailableException">The server cannot be reached or refuses the login.</exception>
    /// <exception cref="HistorySchemaException">The database holds a newer schema than this program knows.</exception>
    public static async Task<PostgreSqlHistoryStore> OpenAsync(string connectionString, string? passwordFile, TimeProvider time, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        ArgumentNullException.ThrowIfNull(time);
        var settings = ParseConnectionString(connectionString);
        if (passwordFile is not null)
        {
            settings.Password = File.ReadAllText(passwordFile).TrimEnd('\r', '\n');
        }
        var name = $"postgresql://{settings.Host}:{settings.Port}/{settings.Database ?? settings.Username}";

        // The slim builder leaves out what needs reflection (JSON, ranges, ...): the reimzul executable is Native AOT.
        var dataSource = new NpgsqlSlimDataSourceBuilder(settings.ConnectionString).Build();
        var store = new PostgreSqlHistoryStore(dataSource, time, name);
        try
        {
            await store.GuardAsync(async () =>
            {
                await using var connection = await dataSource.OpenConnectionAsync(ct);
                await PostgreSqlHistorySchema.PrepareAsync(connection, name, ct);
                return true;
            });
            return store;
        }
        catch
        {
            await store.DisposeAsync();
            throw;
        }
    }

    /// <summary>Parses an Npgsql connection string; the message of the exception says what is wrong with it.</summary>
    /// <exception cref="ArgumentException">It cannot be parsed, or names no host.</exception>
    public static NpgsqlConnectionStringBuilder ParseConnectionString(string connectionString)
    {
        NpgsqlConnectionStringBuilder settings;
        try
        {
            settings = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidCastException)
        {
            throw new ArgumentException($"not an Npgsql connection string (Host=…;Port=…;Database=…;Username=…): {ex.Message}", nameof(connectionString), ex);
        }
        if (string.IsNullOrWhiteSpace(settings.Host))
        {
            throw new ArgumentException("the connection string names no Host (a host name, an address, or the directory of a unix socket)", nameof(connectionString));
        }
        return settings;
    }

    public Task<bool> RecordAsync(BuildEvent buildEvent, CancellationToken cancellationToken = default)
    {
        HistoryKeys.CheckEvent(buildEvent);
        return GuardAsync(async () =>
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            // Two notifiers recording results of one package must not both keep latest_build: the lock and the insert go
            // in one round trip (with the BEGIN Npgsql prepends), the updates in a second, the commit in a third.
            var id = await LockAndInsertAsync(connection, transaction, buildEvent, cancellationToken);
            if (id is not { } newId)
            {
                return false;
            }
            if (BuildStatus.EndsBuild(buildEvent.Status))
            {
                // A Canceled build ends its Building record but leaves the latest result as it is.
                var clearLatest = BuildStatus.IsResult(buildEvent.Status) ? """
                    UPDATE build_history SET latest_build = false
                    WHERE srpm = @srpm AND target = @target AND arch = @arch AND latest_build AND id <> @id;

                    """ : "";
                await using var clear = Command(connection, transaction, clearLatest + """
                    UPDATE build_history SET status = @done
                    WHERE srpm = @srpm AND target = @target AND arch = @arch AND timestamp = @timestamp AND status = @building;
                    """);
                AddPackage(clear, buildEvent);
                clear.Parameters.AddWithValue("id", newId);
                clear.Parameters.AddWithValue("timestamp", buildEvent.Timestamp);
                clear.Parameters.AddWithValue("done", BuildStatus.Done);
                clear.Parameters.AddWithValue("building", BuildStatus.Building);
                await clear.ExecuteNonQueryAsync(cancellationToken);
            }
            else if (buildEvent.Status == BuildStatus.Building && !string.IsNullOrEmpty(buildEvent.BuildId))
            {
                // A Building event of a build already seen with an older timestamp: the job came back after its worker died.
                await using var supersede = Command(connection, transaction, """
                    UPDATE build_history SET status = @done, comment = @comment
                    WHERE coalesce(build_id, '') = @build_id AND arch = @arch AND timestamp < @timestamp AND status = @building;
                    """);
                supersede.Parameters.AddWithValue("build_id", buildEvent.BuildId);
                supersede.Parameters.AddWithValue("arch", buildEvent.Arch);
                supersede.Parameters.AddWithValue("timestamp", buildEvent.Timestamp);
                supersede.Parameters.AddWithValue("done", BuildStatus.Done);
                supersede.Parameters.AddWithValue("building", BuildStatus.Building);
                supersede.Parameters.AddWithValue("comment", SupersededComment);
                await supersede.ExecuteNonQueryAsync(cancellationToken);
            }
            await transaction.CommitAsync(cancellationToken);
            return true;
        });
    }

    public Task<bool> ContainsAsync(BuildEvent buildEvent, CancellationToken cancellationToken = default)
    {
        HistoryKeys.CheckEvent(buildEvent);
        return GuardAsync(async () =>
        {
            await using var command = dataSource.CreateCommand($"SELECT EXISTS (SELECT 1 FROM build_history WHERE {SameEvent});");
            AddEventKey(command, buildEvent.BuildId, buildEvent.Arch, buildEvent.Timestamp, buildEvent.Status, buildEvent.Srpm, buildEvent.Target);
            return await command.ExecuteScalarAsync(cancellationToken) is true;
        });
    }

    public Task<IReadOnlyList<BuildRecord>> QueryAsync(string status, string? target, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(status);
        return GuardAsync(async () =>
        {
            var sql = $"SELECT {Columns} FROM build_history WHERE status = @status";
            // As the original query tool: Building records never carry latest_build, results must.
            if (!BuildStatus.IsNeverLatest(status))
            {
                sql += " AND latest_build";
            }
            if (target is not null)
            {
                sql += " AND target = @target";
            }
            await using var command = dataSource.CreateCommand(sql + " ORDER BY id;");
            command.Parameters.AddWithValue("status", status);
            if (target is not null)
            {
                command.Parameters.AddWithValue("target", target);
            }
            return await ReadRecordsAsync(command, cancellationToken);
        });
    }

    public Task<IReadOnlyList<BuildRecord>> LatestAsync(string target, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(target);
        return GuardAsync(async () =>
        {
            await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM build_history WHERE target = @target AND latest_build ORDER BY id;");
            command.Parameters.AddWithValue("target", target);
            return await ReadRecordsAsync(command, cancellationToken);
        });
    }

    public Task<bool> OverrideAsync(string srpm, string target, string arch, string comment, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(srpm);
        ArgumentException.ThrowIfNullOrWhiteSpace(target);
        ArgumentException.ThrowIfNullOrWhiteSpace(arch);
        ArgumentException.ThrowIfNullOrWhiteSpace(comment);
        return GuardAsync(async () =>
        {
            await using var command = dataSource.CreateCommand("""
                UPDATE build_history SET status = @override, comment = @comment
                WHERE id = (SELECT max(id) FROM build_history
                            WHERE srpm = @srpm AND target = @target AND arch = @arch AND latest_build);
                """);
            command.Parameters.AddWithValue("override", BuildStatus.Override);
            command.Parameters.AddWithValue("comment", comment);
            command.Parameters.AddWithValue("srpm", srpm);
            command.Parameters.AddWithValue("target", target);
            command.Parameters.AddWithValue("arch", arch);
            return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
        });
    }

    public Task<bool> ImportAsync(BuildRecord record, CancellationToken cancellationToken = default)
    {
        HistoryKeys.CheckRecord(record);
        return GuardAsync(async () =>
        {
            await using var command = dataSource.CreateCommand($"""
                INSERT INTO build_history ({Columns}, arrived_status)
                VALUES (@srpm, @arch, @target, @disttag, @scratch, @submitter, @build_id_or_null, @record_status, @builder_fqdn, @evr,
                        @pkgname, @timestamp, @latest_build, @comment, @reason, @recorded_at, @duration_s, @status)
                ON CONFLICT DO NOTHING;
                """);
            AddEventKey(command, record.BuildId, record.Arch, record.Timestamp, HistoryKeys.ArrivedStatus(record.Status), record.Srpm, record.Target);
            command.Parameters.AddWithValue("record_status", record.Status);
            command.Parameters.AddWithValue("disttag", record.Disttag);
            command.Parameters.AddWithValue("scratch", record.Scratch);
            command.Parameters.AddWithValue("submitter", (object?)record.Submitter ?? DBNull.Value);
            command.Parameters.AddWithValue("build_id_or_null", (object?)record.BuildId ?? DBNull.Value);
            command.Parameters.AddWithValue("builder_fqdn", record.BuilderFqdn);
            command.Parameters.AddWithValue("evr", record.Evr);
            command.Parameters.AddWithValue("pkgname", record.PkgName);
            command.Parameters.AddWithValue("latest_build", record.LatestBuild);
            command.Parameters.AddWithValue("comment", (object?)record.Comment ?? DBNull.Value);
            command.Parameters.AddWithValue("reason", (object?)record.Reason ?? DBNull.Value);
            command.Parameters.AddWithValue("recorded_at", record.RecordedAt.ToUniversalTime());
            command.Parameters.AddWithValue("duration_s", (object?)record.DurationSeconds ?? DBNull.Value);
            return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
        });
    }

    public Task<BuildPage> ListAsync(BuildQuery query, CancellationToken cancellationToken = default)
    {
        BuildQuery.Check(query);
        var before = HistoryCursor.ParseId(query.Cursor);
        return GuardAsync(async () =>
        {
            await using var command = dataSource.CreateCommand();
            var sql = new System.Text.StringBuilder($"SELECT {Columns}, id FROM build_history WHERE status <> 'Done'");
            void Filter(string column, object? value)
            {
                if (value is not null)
                {
                    sql.Append(" AND ").Append(column).Append(" = @").Append(column);
                    command.Parameters.AddWithValue(column, value);
                }
            }
            Filter("status", query.Status);
            Filter("target", query.Target);
            Filter("arch", query.Arch);
            Filter("pkgname", query.PkgName);
            Filter("submitter", query.Submitter);
            if (query.Since is { } since)
            {
                sql.Append(" AND recorded_at >= @since");
                command.Parameters.AddWithValue("since", since.ToUniversalTime());
            }
            if (query.Until is { } until)
            {
                sql.Append(" AND recorded_at < @until");
                command.Parameters.AddWithValue("until", until.ToUniversalTime());
            }
            if (before is { } id)
            {
                sql.Append(" AND id < @before");
                command.Parameters.AddWithValue("before", id);
            }
            // One more than asked says whether another page follows.
            sql.Append(" ORDER BY id DESC LIMIT @limit;");
            command.Parameters.AddWithValue("limit", query.Limit + 1);
            command.CommandText = sql.ToString();
            var records = new List<BuildRecord>();
            var ids = new List<long>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                records.Add(ReadRecord(reader));
                ids.Add(reader.GetInt64(17));
            }
            return HistoryCursor.Page(records, ids, query.Limit);
        });
    }

    public Task<IReadOnlyList<BuildRecord>> BuildAsync(string buildId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(buildId);
        return GuardAsync(async () =>
        {
            await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM build_history WHERE build_id = @build_id ORDER BY id;");
            command.Parameters.AddWithValue("build_id", buildId);
            return await ReadRecordsAsync(command, cancellationToken);
        });
    }

    public Task<IReadOnlyList<BuildRecord>> BuildingAsync(CancellationToken cancellationToken = default) => GuardAsync(async () =>
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM build_history WHERE status = 'Building' ORDER BY id;");
        return await ReadRecordsAsync(command, cancellationToken);
    });

    public Task<IReadOnlyList<BuilderSeen>> BuildersSeenAsync(DateTimeOffset since, CancellationToken cancellationToken = default) => GuardAsync<IReadOnlyList<BuilderSeen>>(async () =>
    {
        await using var command = dataSource.CreateCommand("""
            SELECT builder_fqdn, max(recorded_at) FROM build_history
            WHERE recorded_at >= @since AND builder_fqdn <> '' GROUP BY builder_fqdn ORDER BY builder_fqdn;
            """);
        command.Parameters.AddWithValue("since", since.ToUniversalTime());
        var builders = new List<BuilderSeen>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            builders.Add(new BuilderSeen { Name = reader.GetString(0), LastSeen = reader.GetFieldValue<DateTimeOffset>(1) });
        }
        return builders;
    });

    public async ValueTask DisposeAsync() => await dataSource.DisposeAsync();

    // The interface's error contract: the database failing is transient (HistoryUnavailableException), a value
    // PostgreSQL refuses (SQLSTATE class 22, e.g. a NUL character in a text) is the event's fault (ArgumentException).
    private async Task<T> GuardAsync<T>(Func<Task<T>> work)
    {
        try
        {
            return await work();
        }
        catch (PostgresException ex) when (ex.SqlState.StartsWith("22", StringComparison.Ordinal))
        {
            throw new ArgumentException($"the build history {name} refuses a value: {ex.MessageText}", ex);
        }
        catch (Exception ex) when (ex is NpgsqlException or SocketException or TimeoutException)
        {
            throw new HistoryUnavailableException($"the build history {name} is unavailable: {ex.Message}", ex);
        }
    }

    private static NpgsqlCommand Command(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql) => new(sql, connection, transaction);

    /// <returns>The new row's id, or null when this event is already recorded.</returns>
    private async Task<long?> LockAndInsertAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, BuildEvent e, CancellationToken ct)
    {
        await using var batch = new NpgsqlBatch(connection, transaction);
        var lockPackage = new NpgsqlBatchCommand("SELECT pg_advisory_xact_lock(hashtextextended(@srpm || '/' || @target || '/' || @arch, 0));");
        lockPackage.Parameters.AddWithValue("srpm", e.Srpm);
        lockPackage.Parameters.AddWithValue("target", e.Target);
        lockPackage.Parameters.AddWithValue("arch", e.Arch);
        var insert = new NpgsqlBatchCommand($"""
            INSERT INTO build_history ({Columns}, arrived_status)
            VALUES (@srpm, @arch, @target, @disttag, @scratch, @submitter, @build_id_or_null, @status, @builder_fqdn, @evr,
                    @pkgname, @timestamp, @latest_build, NULL, @reason, @recorded_at, @duration_s, @status)
            ON CONFLICT DO NOTHING
            RETURNING id;
            """);
        var p = insert.Parameters;
        AddEventKey(p, e.BuildId, e.Arch, e.Timestamp, e.Status, e.Srpm, e.Target);
        p.AddWithValue("disttag", e.Disttag);
        p.AddWithValue("scratch", e.Scratch);
        p.AddWithValue("submitter", (object?)e.Submitter ?? DBNull.Value);
        p.AddWithValue("build_id_or_null", (object?)e.BuildId ?? DBNull.Value);
        p.AddWithValue("builder_fqdn", e.BuilderFqdn);
        p.AddWithValue("evr", e.Evr);
        p.AddWithValue("pkgname", e.PkgName);
        p.AddWithValue("latest_build", BuildStatus.IsResult(e.Status));
        p.AddWithValue("reason", (object?)e.Reason ?? DBNull.Value);
        p.AddWithValue("recorded_at", time.GetUtcNow());
        p.AddWithValue("duration_s", (object?)e.DurationSeconds ?? DBNull.Value);
        batch.BatchCommands.Add(lockPackage);
        batch.BatchCommands.Add(insert);
        await using var reader = await batch.ExecuteReaderAsync(ct);
        // The lock's (empty) result first, then the insert's RETURNING: a row only when the event is new.
        await reader.NextResultAsync(ct);
        return await reader.ReadAsync(ct) ? reader.GetInt64(0) : null;
    }

    private static void AddEventKey(NpgsqlCommand command, string? buildId, string arch, string timestamp, string status, string srpm, string target) =>
        AddEventKey(command.Parameters, buildId, arch, timestamp, status, srpm, target);

    private static void AddEventKey(NpgsqlParameterCollection parameters, string? buildId, string arch, string timestamp, string status, string srpm, string target)
    {
        parameters.AddWithValue("build_id", buildId ?? "");
        parameters.AddWithValue("arch", arch);
        parameters.AddWithValue("timestamp", timestamp);
        parameters.AddWithValue("status", status);
        parameters.AddWithValue("srpm", srpm);
        parameters.AddWithValue("target", target);
    }

    private static void AddPackage(NpgsqlCommand command, BuildEvent e)
    {
        command.Parameters.AddWithValue("srpm", e.Srpm);
        command.Parameters.AddWithValue("target", e.Target);
        command.Parameters.AddWithValue("arch", e.Arch);
    }

    private static async Task<IReadOnlyList<BuildRecord>> ReadRecordsAsync(NpgsqlCommand command, CancellationToken ct)
    {
        var records = new List<BuildRecord>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            records.Add(ReadRecord(reader));
        }
        return records;
    }

    private static BuildRecord ReadRecord(NpgsqlDataReader reader) => new()
    {
        Srpm = reader.GetString(0),
        Arch = reader.GetString(1),
        Target = reader.GetString(2),
        Disttag = reader.GetString(3),
        Scratch = reader.GetBoolean(4),
        Submitter = reader.IsDBNull(5) ? null : reader.GetString(5),
        BuildId = reader.IsDBNull(6) ? null : reader.GetString(6),
        Status = reader.GetString(7),
        BuilderFqdn = reader.GetString(8),
        Evr = reader.GetString(9),
        PkgName = reader.GetString(10),
        Timestamp = reader.GetString(11),
        LatestBuild = reader.GetBoolean(12),
        Comment = reader.IsDBNull(13) ? null : reader.GetString(13),
        Reason = reader.IsDBNull(14) ? null : reader.GetString(14),
        RecordedAt = reader.GetFieldValue<DateTimeOffset>(15),
        DurationSeconds = reader.IsDBNull(16) ? null : reader.GetDouble(16),
    };
}
