using System.Globalization;
using Microsoft.Data.Sqlite;
using Reimzul.Messages;

namespace Reimzul.History;

/// <summary>
/// The statements that record events, prepared once per transaction and run once per event: a batch of events pays
/// SQLite's parsing and planning once, not once per event and statement.
/// </summary>
internal sealed class SqliteRecordStatements : IDisposable
{
    private const string SupersededComment = "superseded by a retry";

    private readonly SqliteCommand insert;
    private readonly SqliteCommand clearLatest;
    private readonly SqliteCommand finishBuilding;
    private readonly SqliteCommand supersede;
    private readonly TimeProvider time;

    public SqliteRecordStatements(SqliteConnection connection, SqliteTransaction transaction, string columns, TimeProvider time)
    {
        this.time = time;
        insert = Command(connection, transaction, $"""
            INSERT INTO build_history ({columns}, arrived_status)
            VALUES ($srpm, $arch, $target, $disttag, $scratch, $submitter, $build_id_or_null, $status, $builder_fqdn, $evr,
                    $pkgname, $timestamp, $latest_build, NULL, $reason, $recorded_at, $duration_s, $status)
            ON CONFLICT DO NOTHING
            RETURNING id;
            """,
            "$srpm", "$arch", "$target", "$disttag", "$scratch", "$submitter", "$build_id_or_null", "$status", "$builder_fqdn",
            "$evr", "$pkgname", "$timestamp", "$latest_build", "$reason", "$recorded_at", "$duration_s");
        // The original cleared only the newest latest_build; clearing every other one keeps
        // "one latest per (srpm, target, arch)" true even if it was ever broken.
        clearLatest = Command(connection, transaction, """
            UPDATE build_history SET latest_build = 0
            WHERE srpm = $srpm AND target = $target AND arch = $arch AND latest_build = 1 AND id <> $id;
            """, "$srpm", "$target", "$arch", "$id");
        // The result, or a cancel, supersedes its own Building record (the original: the newest one; here all of
        // them, so none stays Building).
        finishBuilding = Command(connection, transaction, $"""
            UPDATE build_history SET status = '{BuildStatus.Done}'
            WHERE srpm = $srpm AND target = $target AND arch = $arch AND timestamp = $timestamp AND status = '{BuildStatus.Building}';
            """, "$srpm", "$target", "$arch", "$timestamp");
        // A Building event of a build already seen with an older timestamp means the job came back
        // after its worker died; that attempt will never report a result.
        supersede = Command(connection, transaction, $"""
            UPDATE build_history SET status = '{BuildStatus.Done}', comment = '{SupersededComment}'
            WHERE ifnull(build_id, '') = $build_id AND arch = $arch AND timestamp < $timestamp AND status = '{BuildStatus.Building}';
            """, "$build_id", "$arch", "$timestamp");
    }

    /// <summary>Records one event as <see cref="IHistoryStore.RecordAsync"/> says; false when it is already recorded.</summary>
    public async Task<bool> RecordAsync(BuildEvent e, CancellationToken ct)
    {
        var isResult = BuildStatus.IsResult(e.Status);
        Set(insert, ("$srpm", e.Srpm), ("$arch", e.Arch), ("$target", e.Target), ("$disttag", e.Disttag), ("$scratch", e.Scratch),
            ("$submitter", e.Submitter), ("$build_id_or_null", e.BuildId), ("$status", e.Status), ("$builder_fqdn", e.BuilderFqdn),
            ("$evr", e.Evr), ("$pkgname", e.PkgName), ("$timestamp", e.Timestamp), ("$latest_build", isResult), ("$reason", e.Reason),
            ("$recorded_at", time.GetUtcNow().ToString("o", CultureInfo.InvariantCulture)), ("$duration_s", e.DurationSeconds));
        if (await insert.ExecuteScalarAsync(ct) is not long id)
        {
            return false;
        }
        if (isResult)
        {
            Set(clearLatest, ("$srpm", e.Srpm), ("$target", e.Target), ("$arch", e.Arch), ("$id", id));
            await clearLatest.ExecuteNonQueryAsync(ct);
        }
        if (BuildStatus.EndsBuild(e.Status))
        {
            // A Canceled build ends its Building record but leaves the latest result as it is.
            Set(finishBuilding, ("$srpm", e.Srpm), ("$target", e.Target), ("$arch", e.Arch), ("$timestamp", e.Timestamp));
            await finishBuilding.ExecuteNonQueryAsync(ct);
        }
        else if (e.Status == BuildStatus.Building && !string.IsNullOrEmpty(e.BuildId))
        {
            Set(supersede, ("$build_id", e.BuildId), ("$arch", e.Arch), ("$timestamp", e.Timestamp));
            await supersede.ExecuteNonQueryAsync(ct);
        }
        return true;
    }

    public void Dispose()
    {
        insert.Dispose();
        clearLatest.Dispose();
        finishBuilding.Dispose();
        supersede.Dispose();
    }

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction transaction, string sql, params string[] parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var name in parameters)
        {
            command.Parameters.Add(name, SqliteType.Text);
        }
        return command;
    }

    private static void Set(SqliteCommand command, params ReadOnlySpan<(string Name, object? Value)> values)
    {
        foreach (var (name, value) in values)
        {
            var parameter = command.Parameters[name];
            // The type follows the value (as AddWithValue does): integers and reals stay what they are.
            parameter.ResetSqliteType();
            parameter.Value = value ?? DBNull.Value;
        }
    }
}
