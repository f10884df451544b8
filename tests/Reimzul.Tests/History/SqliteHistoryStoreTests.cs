using static Reimzul.Tests.History.BuildEvents;
using Microsoft.Data.Sqlite;
using Reimzul.History;
using Reimzul.Messages;
using Reimzul.Processes;
using Reimzul.Tests.Support;

namespace Reimzul.Tests.History;

/// <summary>What only the SQLite store does: one file, WAL, several processes, its schema versions. The rest is <see cref="SqliteHistoryContract"/>.</summary>
public sealed class SqliteHistoryStoreTests : IAsyncLifetime, IDisposable
{
    private const string Target = "c7.1708.u.x86_64";

    private readonly TempDir dir = new("reimzul-history");
    private SqliteHistoryStore store = null!;

    private string DatabasePath => dir.Combine("history", "history.db");

    public async Task InitializeAsync() => store = await SqliteHistoryStore.OpenAsync(DatabasePath);

    public async Task DisposeAsync() => await store.DisposeAsync();

    public void Dispose() => dir.Dispose();

    [Fact]
    public async Task TwoStoresOnOneFileRecordEachEventOnce()
    {
        await using var other = await SqliteHistoryStore.OpenAsync(DatabasePath);
        var events = Enumerable.Range(0, 40)
            .Select(i => Event(BuildStatus.Success, $"202611251{i:D5}", srpm: $"p{i % 4}-1-1.src.rpm", buildId: $"build-{i}"))
            .ToList();

        var results = await Task.WhenAll(
            Task.Run(async () => await RecordAll(store, events)),
            Task.Run(async () => await RecordAll(other, events)));

        Assert.Equal(events.Count, results.Sum());
        Assert.Equal(events.Count, HistoryRows.All(DatabasePath).Count);
        // Still one latest build per package, whichever store recorded what.
        Assert.Equal(4, (await store.QueryAsync(BuildStatus.Success, Target)).Count);

        static async Task<int> RecordAll(IHistoryStore history, List<BuildEvent> events)
        {
            var recorded = 0;
            foreach (var e in events)
            {
                recorded += await history.RecordAsync(e) ? 1 : 0;
            }
            return recorded;
        }
    }

    [Fact]
    public async Task AnotherProcessReadsTheHistoryWhileTheStoreIsOpen()
    {
        await store.RecordAsync(Event(BuildStatus.Building));
        await store.RecordAsync(Event(BuildStatus.Success));

        var result = await ProcessRunner.Default.RunAsync(new ProcessSpec("sqlite3",
            [DatabasePath, "PRAGMA journal_mode;", "SELECT status || ' ' || latest_build FROM build_history ORDER BY id;"])
        {
            Timeout = TimeSpan.FromSeconds(30),
        });

        Assert.True(result.Succeeded, result.StandardError);
        Assert.Equal(["wal", "Done 0", "Success 1"], result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task OpeningAFileThatIsNotADatabaseSaysWhichFileAndWhy()
    {
        var bogus = dir.Combine("not-a-database.db");
        await File.WriteAllTextAsync(bogus, "this is a text file, not a history database, and it is long enough to be checked\n");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => SqliteHistoryStore.OpenAsync(bogus));

        Assert.Contains(bogus, error.Message, StringComparison.Ordinal);
        Assert.Contains("not a database", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ANewDatabaseHasTheNewestSchemaVersionAndTheIndexesForLatestBuilds()
    {
        Assert.Equal(3, UserVersion(DatabasePath));
        var plan = await ExplainAsync(DatabasePath, "SELECT * FROM build_history WHERE status = 'Success' AND latest_build = 1 AND target = 'x' ORDER BY id;");
        // Either partial index of latest builds: both hold only latest builds, in id order.
        Assert.Contains("ix_build_history_latest", plan, StringComparison.Ordinal);
        Assert.DoesNotContain("TEMP B-TREE", plan, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AVersion1DatabaseIsMigratedAndKeepsItsRows()
    {
        await store.RecordAsync(Event(BuildStatus.Success));
        await store.DisposeAsync();
        // As version 1 left it: without the latest-build indexes.
        Execute(DatabasePath, """
            DROP INDEX ix_build_history_latest_by_status; DROP INDEX ix_build_history_latest; DROP INDEX ix_build_history_latest_status; DROP INDEX ix_build_history_building;
            CREATE INDEX ix_build_history_target_status ON build_history (target, status, latest_build);
            PRAGMA user_version = 1;
            """);

        store = await SqliteHistoryStore.OpenAsync(DatabasePath);

        Assert.Equal(3, UserVersion(DatabasePath));
        Assert.Single(await store.QueryAsync(BuildStatus.Success, Target));
    }

    [Fact]
    public async Task ADatabaseOfANewerSchemaIsRefusedNamingTheFileAndBothVersionsAndIsLeftAlone()
    {
        await store.RecordAsync(Event(BuildStatus.Success));
        await store.DisposeAsync();
        Execute(DatabasePath, "PRAGMA user_version = 9;");

        var error = await Assert.ThrowsAsync<HistorySchemaException>(async () => store = await SqliteHistoryStore.OpenAsync(DatabasePath));

        Assert.Contains(Path.GetFullPath(DatabasePath), error.Message, StringComparison.Ordinal);
        Assert.Contains("schema version 9", error.Message, StringComparison.Ordinal);
        Assert.Contains("knows up to 3", error.Message, StringComparison.Ordinal);
        Assert.Equal(9, UserVersion(DatabasePath));
        Assert.Single(HistoryRows.All(DatabasePath));
        store = await SqliteHistoryStore.OpenAsync(dir.Combine("other.db"));
    }

    private static long UserVersion(string path)
    {
        using var connection = Open(path);
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA user_version;";
        return (long)command.ExecuteScalar()!;
    }

    private static void Execute(string path, string sql)
    {
        using var connection = Open(path);
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static Task<string> ExplainAsync(string path, string sql)
    {
        using var connection = Open(path);
        using var command = connection.CreateCommand();
        command.CommandText = "EXPLAIN QUERY PLAN " + sql;
        using var reader = command.ExecuteReader();
        var plan = new List<string>();
        while (reader.Read())
        {
            plan.Add(reader.GetString(3));
        }
        return Task.FromResult(string.Join("\n", plan));
    }

    private static SqliteConnection Open(string path)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }
}
