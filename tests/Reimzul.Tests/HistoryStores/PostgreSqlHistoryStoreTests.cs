using static Reimzul.Tests.History.BuildEvents;
using Npgsql;
using Reimzul.History;
using Reimzul.HistoryStores;
using Reimzul.Messages;
using Reimzul.Tests.Support;

namespace Reimzul.Tests.HistoryStores;

/// <summary>What only the PostgreSQL store does: schema versions, a server that goes away, a login it refuses, two notifiers.</summary>
public sealed class PostgreSqlHistoryStoreTests(PostgreSqlServer server) : IClassFixture<PostgreSqlServer>
{
    private const string Target = "c7.1708.u.x86_64";

    [Fact]
    public async Task ANewDatabaseIsMigratedToTheNewestSchemaAndOpeningAgainChangesNothing()
    {
        var url = await server.CreateDatabaseAsync();
        await (await PostgreSqlHistoryStore.OpenAsync(url, server.PasswordFile, TimeProvider.System)).DisposeAsync();
        await using var store = await PostgreSqlHistoryStore.OpenAsync(url, server.PasswordFile, TimeProvider.System);

        Assert.Equal([2], await VersionsAsync(url));
        Assert.True(await store.RecordAsync(Event(BuildStatus.Success)));
    }

    [Fact]
    public async Task ADatabaseOfANewerSchemaIsRefusedNamingTheDatabaseAndBothVersionsAndIsLeftAlone()
    {
        var url = await server.CreateDatabaseAsync();
        await using (var store = await PostgreSqlHistoryStore.OpenAsync(url, server.PasswordFile, TimeProvider.System))
        {
            await store.RecordAsync(Event(BuildStatus.Success));
        }
        await ExecuteAsync(url, "UPDATE reimzul_schema SET version = 7;");

        var error = await Assert.ThrowsAsync<HistorySchemaException>(() => PostgreSqlHistoryStore.OpenAsync(url, server.PasswordFile, TimeProvider.System));

        var database = new NpgsqlConnectionStringBuilder(url).Database!;
        Assert.Contains($"postgresql://127.0.0.1:{server.Port}/{database}", error.Message, StringComparison.Ordinal);
        Assert.Contains("schema version 7", error.Message, StringComparison.Ordinal);
        Assert.Contains("knows up to 2", error.Message, StringComparison.Ordinal);
        Assert.Equal([7], await VersionsAsync(url));
        Assert.Equal(1L, await ScalarAsync(url, "SELECT count(*) FROM build_history;"));
    }

    [Fact]
    public async Task AWrongPasswordIsReportedAsUnavailableNotAsABadEvent()
    {
        var url = await server.CreateDatabaseAsync();
        using var dir = new TempDir("reimzul-pg-password");
        var wrong = dir.Combine("password");
        await File.WriteAllTextAsync(wrong, "not-the-password\n");

        var error = await Assert.ThrowsAsync<HistoryUnavailableException>(() => PostgreSqlHistoryStore.OpenAsync(url, wrong, TimeProvider.System));

        Assert.Contains("password authentication failed", error.Message, StringComparison.Ordinal);
        Assert.Contains($"127.0.0.1:{server.Port}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AServerThatIsDownIsReportedAsUnavailableAndTheStoreWorksAgainWhenItIsBack()
    {
        // A server of its own: stopping the shared one would break the other tests of the class.
        await using var own = new PostgreSqlServer();
        await own.InitializeAsync();
        try
        {
            var url = await own.CreateDatabaseAsync();
            await using var store = await PostgreSqlHistoryStore.OpenAsync(url, own.PasswordFile, TimeProvider.System);
            await store.RecordAsync(Event(BuildStatus.Building));

            await own.StopAsync();
            var error = await Assert.ThrowsAsync<HistoryUnavailableException>(() => store.RecordAsync(Event(BuildStatus.Success)));
            Assert.Contains($"127.0.0.1:{own.Port}", error.Message, StringComparison.Ordinal);
            await Assert.ThrowsAsync<HistoryUnavailableException>(() => store.QueryAsync(BuildStatus.Success, Target));

            await own.StartAsync();
            Assert.True(await store.RecordAsync(Event(BuildStatus.Success)));
            Assert.Single(await store.QueryAsync(BuildStatus.Success, Target));
        }
        finally
        {
            own.Dispose();
        }
    }

    [Fact]
    public async Task AnEventWithANulCharacterIsABadEventNotAnOutage()
    {
        var url = await server.CreateDatabaseAsync();
        await using var store = await PostgreSqlHistoryStore.OpenAsync(url, server.PasswordFile, TimeProvider.System);

        var error = await Assert.ThrowsAnyAsync<ArgumentException>(() => store.RecordAsync(Event(BuildStatus.Failed, reason: "bad\0byte")));

        Assert.IsNotType<HistoryUnavailableException>(error);
        Assert.True(await store.RecordAsync(Event(BuildStatus.Failed, reason: "plain")));
    }

    [Fact]
    public async Task TwoNotifiersOnOneDatabaseRecordEachEventOnceAndKeepOneLatestPerPackage()
    {
        var url = await server.CreateDatabaseAsync();
        await using var first = await PostgreSqlHistoryStore.OpenAsync(url, server.PasswordFile, TimeProvider.System);
        await using var second = await PostgreSqlHistoryStore.OpenAsync(url, server.PasswordFile, TimeProvider.System);
        var events = Enumerable.Range(0, 40)
            .Select(i => Event(BuildStatus.Success, $"202611251{i:D5}", srpm: $"p{i % 4}-1-1.src.rpm", buildId: $"build-{i}"))
            .ToList();

        var results = await Task.WhenAll(Task.Run(() => RecordAllAsync(first, events)), Task.Run(() => RecordAllAsync(second, events)));

        Assert.Equal(events.Count, results.Sum());
        Assert.Equal((long)events.Count, await ScalarAsync(url, "SELECT count(*) FROM build_history;"));
        Assert.Equal(4, (await first.QueryAsync(BuildStatus.Success, Target)).Count);
    }

    [Fact]
    public async Task TheLatestBuildQueriesUseTheirIndexes()
    {
        var url = await server.CreateDatabaseAsync();
        await (await PostgreSqlHistoryStore.OpenAsync(url, server.PasswordFile, TimeProvider.System)).DisposeAsync();

        var plan = await PlanAsync(url, "SELECT * FROM build_history WHERE status = 'Success' AND latest_build AND target = 'x' ORDER BY id;");

        // A partial index in id order: of latest builds, or (on an empty table the planner may take it) of the read
        // model's current records, which hold the latest builds too.
        Assert.Matches("ix_build_history_(latest|current)", plan);
        Assert.DoesNotContain("Sort", plan, StringComparison.Ordinal);
    }

    private static async Task<int> RecordAllAsync(IHistoryStore store, List<BuildEvent> events)
    {
        var recorded = 0;
        foreach (var e in events)
        {
            recorded += await store.RecordAsync(e) ? 1 : 0;
        }
        return recorded;
    }

    private static async Task<List<int>> VersionsAsync(string url)
    {
        await using var connection = await PostgreSqlServer.ConnectAsync(url);
        await using var command = new NpgsqlCommand("SELECT version FROM reimzul_schema;", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var versions = new List<int>();
        while (await reader.ReadAsync())
        {
            versions.Add(reader.GetInt32(0));
        }
        return versions;
    }

    private static async Task ExecuteAsync(string url, string sql)
    {
        await using var connection = await PostgreSqlServer.ConnectAsync(url);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<object?> ScalarAsync(string url, string sql)
    {
        await using var connection = await PostgreSqlServer.ConnectAsync(url);
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }

    private static async Task<string> PlanAsync(string url, string sql)
    {
        await using var connection = await PostgreSqlServer.ConnectAsync(url);
        await using (var off = new NpgsqlCommand("SET enable_seqscan = off;", connection))
        {
            await off.ExecuteNonQueryAsync();
        }
        await using var command = new NpgsqlCommand("EXPLAIN " + sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var lines = new List<string>();
        while (await reader.ReadAsync())
        {
            lines.Add(reader.GetString(0));
        }
        return string.Join("\n", lines);
    }
}
