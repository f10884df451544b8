using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Reimzul.History;

/// <summary>Connection settings and the table layout of the SQLite build history.</summary>
internal static class SqliteHistorySchema
{
    public const int Version = 1;

    // One row per event, shaped as the original's notify_history documents. arrived_status keeps the
    // status the event came with, because status itself changes (Building -> Done, -> Override).
    // A missing build_id (an event from an original worker) falls back to srpm and target in the
    // unique key, so such events are still recognised when redelivered.
    private const string CreateTables = """
        CREATE TABLE build_history (
            id             INTEGER PRIMARY KEY AUTOINCREMENT,
            srpm           TEXT    NOT NULL,
            arch           TEXT    NOT NULL,
            target         TEXT    NOT NULL,
            disttag        TEXT    NOT NULL,
            scratch        INTEGER NOT NULL,
            submitter      TEXT,
            build_id       TEXT,
            status         TEXT    NOT NULL,
            arrived_status TEXT    NOT NULL,
            builder_fqdn   TEXT    NOT NULL,
            evr            TEXT    NOT NULL,
            pkgname        TEXT    NOT NULL,
            timestamp      TEXT    NOT NULL,
            latest_build   INTEGER NOT NULL DEFAULT 0,
            comment        TEXT,
            reason         TEXT,
            duration_s     REAL,
            recorded_at    TEXT    NOT NULL
        );
        CREATE UNIQUE INDEX ux_build_history_event
            ON build_history (ifnull(build_id, ''), arch, timestamp, arrived_status, srpm, target);
        CREATE INDEX ix_build_history_target_status
            ON build_history (target, status, latest_build);
        CREATE INDEX ix_build_history_package
            ON build_history (srpm, target, arch);
        """;

    public static string ConnectionString(string fullPath) => new SqliteConnectionStringBuilder
    {
        DataSource = fullPath,
        Mode = SqliteOpenMode.ReadWriteCreate,
        // Closing the store must release the file (tests reopen it; operators move it).
        Pooling = false,
        DefaultTimeout = 30,
    }.ToString();

    public static async Task PrepareAsync(SqliteConnection connection, string fullPath, CancellationToken ct)
    {
        // busy_timeout first: another process may hold the lock, even while creating the schema.
        await ExecuteAsync(connection, "PRAGMA busy_timeout = 10000;", ct);
        await ExecuteAsync(connection, "PRAGMA journal_mode = WAL;", ct);

        // BeginTransaction is BEGIN IMMEDIATE: of two processes opening a new file, one creates the schema.
        using var transaction = connection.BeginTransaction();
        using var versionCommand = connection.CreateCommand();
        versionCommand.Transaction = transaction;
        versionCommand.CommandText = "PRAGMA user_version;";
        var version = Convert.ToInt32(await versionCommand.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture);
        if (version > Version)
        {
            throw new InvalidOperationException(
                $"the build history {fullPath} has schema version {version}; this reimzul knows up to {Version}, upgrade it");
        }
        if (version == 0)
        {
            using var create = connection.CreateCommand();
            create.Transaction = transaction;
            create.CommandText = CreateTables + $"PRAGMA user_version = {Version};";
            await create.ExecuteNonQueryAsync(ct);
        }
        await transaction.CommitAsync(ct);
    }

    private static async Task ExecuteAsync(SqliteConnection connection, string sql, CancellationToken ct)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(ct);
    }
}
