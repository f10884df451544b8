using Microsoft.Data.Sqlite;

namespace Reimzul.Queue.Embedded;

/// <summary>The queue's SQLite file: how connections are opened and the schema it holds.</summary>
internal static class QueueDatabase
{
    private const int SchemaVersion = 2;

    // Times are Unix milliseconds. `due` means: delayed → when it becomes ready; reserved → when its
    // TTR runs out; buried → when it was buried (kick takes the oldest first). `reason`: why a buried job was buried.
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS jobs (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            tube TEXT NOT NULL,
            priority INTEGER NOT NULL,
            state INTEGER NOT NULL,
            due INTEGER,
            ttr_ms INTEGER NOT NULL,
            owner INTEGER,
            body TEXT NOT NULL,
            created INTEGER NOT NULL,
            reserves INTEGER NOT NULL DEFAULT 0,
            timeouts INTEGER NOT NULL DEFAULT 0,
            reason TEXT
        );
        CREATE INDEX IF NOT EXISTS jobs_by_tube ON jobs (tube, state, priority, id);
        CREATE INDEX IF NOT EXISTS jobs_by_due ON jobs (state, due);
        CREATE TABLE IF NOT EXISTS sessions (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            pid INTEGER NOT NULL,
            started INTEGER NOT NULL,
            host TEXT NOT NULL,
            last_seen INTEGER NOT NULL
        );
        CREATE TABLE IF NOT EXISTS watches (
            session INTEGER NOT NULL,
            tube TEXT NOT NULL,
            PRIMARY KEY (session, tube)
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS watches_by_tube ON watches (tube);
        CREATE TABLE IF NOT EXISTS tubes (
            name TEXT PRIMARY KEY,
            total_jobs INTEGER NOT NULL
        ) WITHOUT ROWID;
        """;

    /// <summary>Creates the directory, the file and the schema when missing; refuses a file made by a newer version.</summary>
    public static void Initialize(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var connection = Open(path, create: true);
        using (var command = connection.Command(null, "PRAGMA journal_mode = WAL"))
        {
            var mode = command.ExecuteScalar() as string;
            if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException($"queue database '{path}' cannot use WAL mode (got '{mode}'); is it on a network file system?");
            }
        }
        // The usual case, a current schema, is only read: every process opening the queue would otherwise commit (and
        // fsync) an empty schema change first.
        if ((connection.ScalarInt64(null, "PRAGMA user_version") ?? 0) == SchemaVersion)
        {
            return;
        }
        using var transaction = connection.BeginTransaction(deferred: false);
        var version = connection.ScalarInt64(transaction, "PRAGMA user_version") ?? 0;
        if (version > SchemaVersion)
        {
            throw new InvalidOperationException(
                $"queue database '{path}' has schema version {version}; this Reimzul reads version {SchemaVersion} (was it written by a newer release?)");
        }
        if (version == 1)
        {
            // Version 2 keeps why a job was buried.
            connection.Execute(transaction, "ALTER TABLE jobs ADD COLUMN reason TEXT");
        }
        connection.Execute(transaction, Schema);
        connection.Execute(transaction, $"PRAGMA user_version = {SchemaVersion}");
        transaction.Commit();
    }

    public static SqliteConnection Open(string path, bool create = false)
    {
        var connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = create ? SqliteOpenMode.ReadWriteCreate : SqliteOpenMode.ReadWrite,
            Cache = SqliteCacheMode.Private,
            // Sessions live long; unpooled connections close their file when the session ends.
            Pooling = false,
        }.ToString();
        var connection = new SqliteConnection(connectionString);
        try
        {
            connection.Open();
            // busy_timeout: SQLite's own short back-off instead of the provider's 150 ms retry sleeps.
            // synchronous=FULL: a put that returned survives power loss, not only a crash of the process.
            connection.Execute(null, "PRAGMA busy_timeout = 10000; PRAGMA synchronous = FULL;");
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }
}
