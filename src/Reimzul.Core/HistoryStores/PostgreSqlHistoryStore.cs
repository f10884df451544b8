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
        if (!settings.ContainsKey("Max Auto Prepare"))
        {
            // The notifier runs the same few statements again and again: prepared once per connection, the server
            // parses and plans them once. An operator's own setting (0 turns it off) is kept.
            settings.MaxAutoPrepare = 16;
        }

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

    public async Task<bool> RecordAsync(BuildEvent buildEvent, CancellationToken cancellationToken = default) =>
        (await RecordManyAsync([buildEvent], cancellationToken))[0];

    /// <summary>
    /// Every event of the batch in one transaction and one round trip: the packages' locks first, in one order (two
    /// notifiers writing batches never wait for each other in a circle), then one statement per event that inserts it
    /// and, only if it was new, updates the rows it supersedes. Statements run in order, each seeing the ones before.
    /// </summary>
    public Task<IReadOnlyList<bool>> RecordManyAsync(IReadOnlyList<BuildEvent> buildEvents, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(buildEvents);
        foreach (var buildEvent in buildEvents)
        {
            HistoryKeys.CheckEvent(buildEvent);
        }
        return GuardAsync<IReadOnlyList<bool>>(async () =>
        {
            var recorded = new bool[buildEvents.Count];
            if (buildEvents.Count == 0)
            {
                return recorded;
            }
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await using var batch = new NpgsqlBatch(connection, transaction);
            // Two notifiers recording results of one package must not both keep latest_build.
            var locks = buildEvents.Select(PackageLockKey).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
            foreach (var key in locks)
            {
                var lockPackage = new NpgsqlBatchCommand("SELECT pg_advisory_xact_lock(hashtextextended(@key, 0));");
                lockPackage.Parameters.AddWithValue("key", key);
                batch.BatchCommands.Add(lockPackage);
            }
            foreach (var e in buildEvents)
            {
                batch.BatchCommands.Add(RecordCommand(e));
            }
            await using (var reader = await batch.ExecuteReaderAsync(cancellationToken))
            {
                for (var i = 0; i < locks.Count; i++)
                {
                    await reader.NextResultAsync(cancellationToken);
                }
                for (var i = 0; i < recorded.Length; i++)
                {
                    recorded[i] = await reader.ReadAsync(cancellationToken) && reader.GetInt64(0) > 0;
                    await reader.NextResultAsync(cancellationToken);
                }
            }
            await transaction.CommitAsync(cancellationToken);
            return recorded;
        });
    }

    // The updates see the table as it was before this statement, so they never touch the row it inserts; they run only
    // when that insert happened (a recorded event changes nothing when it comes again). The status words are literals,
    // not parameters: a prepared statement's generic plan can use the partial index on Building rows only then.
    private NpgsqlBatchCommand RecordCommand(BuildEvent e)
    {
        var command = new NpgsqlBatchCommand($"""
            WITH inserted AS (
                INSERT INTO build_history ({Columns}, arrived_status)
                VALUES (@srpm, @arch, @target, @disttag, @scratch, @submitter, @build_id_or_null, @status, @builder_fqdn, @evr,
                        @pkgname, @timestamp, @latest_build, NULL, @reason, @recorded_at, @duration_s, @status)
                ON CONFLICT DO NOTHING
                RETURNING id
            ), cleared AS (
                -- The original cleared only the newest latest_build; clearing every other one keeps one latest per
                -- (srpm, target, arch) true even if it was ever broken.
                UPDATE build_history SET latest_build = false
                WHERE @is_result AND EXISTS (SELECT 1 FROM inserted)
                  AND srpm = @srpm AND target = @target AND arch = @arch AND latest_build
            ), finished AS (
                -- The result (or a cancel) supersedes its own Building record; a cancel leaves the latest result as it is.
                UPDATE build_history SET status = '{BuildStatus.Done}'
                WHERE @ends_build AND EXISTS (SELECT 1 FROM inserted)
                  AND srpm = @srpm AND target = @target AND arch = @arch AND timestamp = @timestamp AND status = '{BuildStatus.Building}'
            ), superseded AS (
                -- A Building event of a build already seen with an older timestamp: the job came back after its worker died.
                UPDATE build_history SET status = '{BuildStatus.Done}', comment = '{SupersededComment}'
                WHERE @is_retry AND EXISTS (SELECT 1 FROM inserted)
                  AND coalesce(build_id, '') = @build_id AND arch = @arch AND timestamp < @timestamp AND status = '{BuildStatus.Building}'
            )
            SELECT count(*) FROM inserted;
            """);
        var p = command.Parameters;
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
        p.AddWithValue("is_result", BuildStatus.IsResult(e.Status));
        p.AddWithValue("ends_build", BuildStatus.EndsBuild(e.Status));
        p.AddWithValue("is_retry", e.Status == BuildStatus.Building && !string.IsNullOrEmpty(e.BuildId));
        return command;
    }

    private static string PackageLockKey(BuildEvent e) => e.Srpm + "/" + e.Target + "/" + e.Arch;

    public async Task<bool> ContainsAsync(BuildEvent buildEvent, CancellationToken cancellationToken = default) =>
        (await ContainsManyAsync([buildEvent], cancellationToken))[0];

    /// <summary>Every lookup in one round trip.</summary>
    public Task<IReadOnlyList<bool>> ContainsManyAsync(IReadOnlyList<BuildEvent> buildEvents, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(buildEvents);
        foreach (var buildEvent in buildEvents)
        {
            HistoryKeys.CheckEvent(buildEvent);
        }
        return GuardAsync<IReadOnlyList<bool>>(async () =>
        {
            var found = new bool[buildEvents.Count];
            if (buildEvents.Count == 0)
            {
                return found;
            }
            await using var batch = dataSource.CreateBatch();
            foreach (var e in buildEvents)
            {
                var lookup = new NpgsqlBatchCommand($"SELECT EXISTS (SELECT 1 FROM build_history WHERE {SameEvent});");
                AddEventKey(lookup.Parameters, e.BuildId, e.Arch, e.Timestamp, e.Status, e.Srpm, e.Target);
                batch.BatchCommands.Add(lookup);
            }
            await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
            for (var i = 0; i < found.Length; i++)
            {
                if (i > 0)
                {
                    await reader.NextResultAsync(cancellationToken);
                }
                found[i] = await reader.ReadAsync(cancellationToken) && reader.GetBoolean(0);
            }
            return found;
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
