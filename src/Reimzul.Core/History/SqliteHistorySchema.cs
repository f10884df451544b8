using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Reimzul.History;

/// <summary>Connection settings and the table layout of the SQLite build history.</summary>
internal static class SqliteHistorySchema
{
    /// <summary>The newest schema this program knows: the number of <see cref="Migrations"/>.</summary>
    public static int Version => Migrations.Length;

    // One row per event, shaped as the original's notify_history documents. arrived_status keeps the
    // status the event came with, because status itself changes (Building -> Done, -> Override).
    // A missing build_id (an event from an original worker) falls back to srpm and target in the
    // unique key, so such events are still recognised when redelivered.
    // Migrations[i] takes the schema from version i to i + 1 (PRAGMA user_version). Never edit one that shipped: add one.
    private static readonly string[] Migrations = [CreateTables, LatestBuildIndexes, ReadModelIndexes];

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

    // "query -s STATUS -t TARGET" and "latest builds of a target" read only latest builds (or Building ones), a small
    // part of a long history: partial indexes that hold just those, in id order, answer them without a sort.
    private const string LatestBuildIndexes = """
        CREATE INDEX ix_build_history_latest_by_status
            ON build_history (target, status, id) WHERE latest_build = 1;
        CREATE INDEX ix_build_history_latest
            ON build_history (target, id) WHERE latest_build = 1;
        CREATE INDEX ix_build_history_latest_status
            ON build_history (status, id) WHERE latest_build = 1;
        CREATE INDEX ix_build_history_building
            ON build_history (target, id) WHERE status = 'Building';
        DROP INDEX ix_build_history_target_status;
        """;

    // The web API lists the current record of each build (every one but Done), newest first, by one filter or none,
    // a page at a time after the last id seen: partial indexes in id order answer the first page of a million-row
    // history without a sort. A build's records are found by build_id (the unique index leads with it), the builders
    // by the time of their records.
    private const string ReadModelIndexes = """
        CREATE INDEX IF NOT EXISTS ix_build_history_current
            ON build_history (id) WHERE status <> 'Done';
        CREATE INDEX IF NOT EXISTS ix_build_history_current_target
            ON build_history (target, id) WHERE status <> 'Done';
        CREATE INDEX IF NOT EXISTS ix_build_history_current_pkgname
            ON build_history (pkgname, id) WHERE status <> 'Done';
        CREATE INDEX IF NOT EXISTS ix_build_history_current_status
            ON build_history (status, id) WHERE status <> 'Done';
        CREATE INDEX IF NOT EXISTS ix_build_history_current_arch
            ON build_history (arch, id) WHERE status <> 'Done';
        CREATE INDEX IF NOT EXISTS ix_build_history_current_submitter
            ON build_history (submitter, id) WHERE status <> 'Done';
        CREATE INDEX IF NOT EXISTS ix_build_history_recorded_at
            ON build_history (recorded_at);
        CREATE INDEX IF NOT EXISTS ix_build_history_building_all
            ON build_history (id) WHERE status = 'Building';
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
            throw new HistorySchemaException(fullPath, version, Version);
        }
        for (; version < Version; version++)
        {
            using var migrate = connection.CreateCommand();
            migrate.Transaction = transaction;
            migrate.CommandText = Migrations[version] + $"PRAGMA user_version = {version + 1};";
            await migrate.ExecuteNonQueryAsync(ct);
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
