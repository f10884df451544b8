using Npgsql;
using Reimzul.History;

namespace Reimzul.HistoryStores;

/// <summary>The table layout of the PostgreSQL build history and its versioned migrations, run at start.</summary>
internal static class PostgreSqlHistorySchema
{
    /// <summary>The newest schema this program knows: the number of <see cref="Migrations"/>.</summary>
    public static int Version => Migrations.Length;

    // Any number the two migrating processes agree on: pg_advisory_xact_lock serializes them.
    private const long MigrationLock = 0x5245494D5A554C;

    // Migrations[i] takes the schema from version i to i + 1. Never edit one that shipped: add one.
    // The same columns and keys as the SQLite store (SqliteHistorySchema), so both behave alike.
    private static readonly string[] Migrations =
    [
        """
        CREATE TABLE build_history (
            id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            srpm           text    NOT NULL,
            arch           text    NOT NULL,
            target         text    NOT NULL,
            disttag        text    NOT NULL,
            scratch        boolean NOT NULL,
            submitter      text,
            build_id       text,
            status         text    NOT NULL,
            arrived_status text    NOT NULL,
            builder_fqdn   text    NOT NULL,
            evr            text    NOT NULL,
            pkgname        text    NOT NULL,
            timestamp      text    NOT NULL,
            latest_build   boolean NOT NULL DEFAULT false,
            comment        text,
            reason         text,
            duration_s     double precision,
            recorded_at    timestamptz NOT NULL
        );
        CREATE UNIQUE INDEX ux_build_history_event
            ON build_history ((coalesce(build_id, '')), arch, timestamp, arrived_status, srpm, target);
        CREATE INDEX ix_build_history_package
            ON build_history (srpm, target, arch) WHERE latest_build;
        CREATE INDEX ix_build_history_building
            ON build_history (srpm, target, arch, timestamp) WHERE status = 'Building';
        CREATE INDEX ix_build_history_latest_by_status
            ON build_history (target, status, id) WHERE latest_build;
        CREATE INDEX ix_build_history_latest
            ON build_history (target, id) WHERE latest_build;
        CREATE INDEX ix_build_history_latest_status
            ON build_history (status, id) WHERE latest_build;
        CREATE INDEX ix_build_history_building_target
            ON build_history (target, id) WHERE status = 'Building';
        """,
        // The web API's read model: the current record of each build (every one but Done), newest first, by one
        // filter or none, paged after the last id seen; a build's records by build_id; builders by recording time.
        """
        CREATE INDEX ix_build_history_current
            ON build_history (id) WHERE status <> 'Done';
        CREATE INDEX ix_build_history_current_target
            ON build_history (target, id) WHERE status <> 'Done';
        CREATE INDEX ix_build_history_current_pkgname
            ON build_history (pkgname, id) WHERE status <> 'Done';
        CREATE INDEX ix_build_history_current_status
            ON build_history (status, id) WHERE status <> 'Done';
        CREATE INDEX ix_build_history_current_arch
            ON build_history (arch, id) WHERE status <> 'Done';
        CREATE INDEX ix_build_history_current_submitter
            ON build_history (submitter, id) WHERE status <> 'Done';
        CREATE INDEX ix_build_history_build_id
            ON build_history (build_id);
        CREATE INDEX ix_build_history_recorded_at
            ON build_history (recorded_at);
        """,
    ];

    public static async Task PrepareAsync(NpgsqlConnection connection, string database, CancellationToken ct)
    {
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await ExecuteAsync(connection, transaction, $"SELECT pg_advisory_xact_lock({MigrationLock});", ct);
        await ExecuteAsync(connection, transaction, "CREATE TABLE IF NOT EXISTS reimzul_schema (version integer NOT NULL);", ct);
        await using var read = new NpgsqlCommand("SELECT max(version) FROM reimzul_schema;", connection, transaction);
        var version = await read.ExecuteScalarAsync(ct) is int found ? found : 0;
        if (version > Version)
        {
            throw new HistorySchemaException(database, version, Version);
        }
        for (; version < Version; version++)
        {
            await ExecuteAsync(connection, transaction, Migrations[version], ct);
            await ExecuteAsync(connection, transaction, $"DELETE FROM reimzul_schema; INSERT INTO reimzul_schema (version) VALUES ({version + 1});", ct);
        }
        await transaction.CommitAsync(ct);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(ct);
    }
}
