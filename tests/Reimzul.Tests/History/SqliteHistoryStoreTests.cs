using static Reimzul.Tests.History.BuildEvents;
using Reimzul.History;
using Reimzul.Messages;
using Reimzul.Processes;
using Reimzul.Tests.Support;

namespace Reimzul.Tests.History;

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
    public async Task WhenABuildSucceedsItsBuildingRecordIsDoneAndTheResultIsTheLatest()
    {
        Assert.True(await store.RecordAsync(Event(BuildStatus.Building)));
        Assert.Single(await store.QueryAsync(BuildStatus.Building, Target));

        Assert.True(await store.RecordAsync(Event(BuildStatus.Success)));

        Assert.Empty(await store.QueryAsync(BuildStatus.Building, Target));
        var success = Assert.Single(await store.QueryAsync(BuildStatus.Success, Target));
        Assert.True(success.LatestBuild);
        Assert.Equal("hello-1.0-1.el7.src.rpm", success.Srpm);
        Assert.Equal("build-1", success.BuildId);
        Assert.Equal(
            [("Done", false), ("Success", true)],
            HistoryRows.All(DatabasePath).Select(r => (r.Status, r.LatestBuild)));
    }

    [Fact]
    public async Task WhenTheSamePackageIsBuiltAgainTheFirstResultIsNoLongerTheLatest()
    {
        await store.RecordAsync(Event(BuildStatus.Building, "20261125100000", buildId: "build-1"));
        await store.RecordAsync(Event(BuildStatus.Success, "20261125100000", buildId: "build-1"));
        await store.RecordAsync(Event(BuildStatus.Building, "20261125110000", buildId: "build-2"));
        await store.RecordAsync(Event(BuildStatus.Success, "20261125110000", buildId: "build-2"));

        var latest = Assert.Single(await store.QueryAsync(BuildStatus.Success, Target));
        Assert.Equal("20261125110000", latest.Timestamp);
        Assert.Equal(
            [("Done", false), ("Success", false), ("Done", false), ("Success", true)],
            HistoryRows.All(DatabasePath).Select(r => (r.Status, r.LatestBuild)));
    }

    [Fact]
    public async Task AFailedResultIsTheLatestBuildToo()
    {
        await store.RecordAsync(Event(BuildStatus.Success, "20261125100000", buildId: "build-1"));
        await store.RecordAsync(Event(BuildStatus.Building, "20261125110000", buildId: "build-2"));
        await store.RecordAsync(Event(BuildStatus.Failed, "20261125110000", buildId: "build-2", reason: "rpmbuild exited with 1"));

        Assert.Empty(await store.QueryAsync(BuildStatus.Success, Target));
        var failed = Assert.Single(await store.QueryAsync(BuildStatus.Failed, Target));
        Assert.True(failed.LatestBuild);
        Assert.Equal("rpmbuild exited with 1", failed.Reason);
        Assert.Empty(await store.QueryAsync(BuildStatus.Building, Target));
    }

    [Fact]
    public async Task OtherArchesAndTargetsKeepTheirOwnLatestBuild()
    {
        await store.RecordAsync(Event(BuildStatus.Success, "20261125100000", arch: "x86_64", target: "c7.u.x86_64", buildId: "a"));
        await store.RecordAsync(Event(BuildStatus.Success, "20261125100000", arch: "i386", target: "c7.u.x86_64", buildId: "a"));
        await store.RecordAsync(Event(BuildStatus.Success, "20261125100000", arch: "x86_64", target: "c7.extras.x86_64", buildId: "b"));
        await store.RecordAsync(Event(BuildStatus.Failed, "20261125120000", arch: "x86_64", target: "c7.u.x86_64", buildId: "c"));

        var successes = await store.QueryAsync(BuildStatus.Success, target: null);
        Assert.Equal(
            [("i386", "c7.u.x86_64"), ("x86_64", "c7.extras.x86_64")],
            successes.Select(r => (r.Arch, r.Target)));
        Assert.Equal("x86_64", Assert.Single(await store.QueryAsync(BuildStatus.Failed, "c7.u.x86_64")).Arch);
    }

    [Fact]
    public async Task ARedeliveredEventIsRecordedOnce()
    {
        var building = Event(BuildStatus.Building);
        Assert.False(await store.ContainsAsync(building));

        Assert.True(await store.RecordAsync(building));
        Assert.True(await store.ContainsAsync(building));
        Assert.False(await store.RecordAsync(building));

        var success = Event(BuildStatus.Success);
        Assert.False(await store.ContainsAsync(success));
        Assert.True(await store.RecordAsync(success));
        Assert.False(await store.RecordAsync(success));
        // The Building event stays recognised after its record turned Done.
        Assert.False(await store.RecordAsync(building));

        Assert.Equal(["Done", "Success"], HistoryRows.All(DatabasePath).Select(r => r.Status));
    }

    [Fact]
    public async Task ARedeliveredOldResultDoesNotTakeTheLatestFromANewerBuild()
    {
        var first = Event(BuildStatus.Success, "20261125100000", buildId: "build-1");
        await store.RecordAsync(first);
        await store.RecordAsync(Event(BuildStatus.Success, "20261125110000", buildId: "build-2"));

        Assert.False(await store.RecordAsync(first));

        Assert.Equal("20261125110000", Assert.Single(await store.QueryAsync(BuildStatus.Success, Target)).Timestamp);
    }

    [Fact]
    public async Task EventsWithoutABuildIdAreRecognisedByPackageArchTimestampAndStatus()
    {
        var legacy = Event(BuildStatus.Building, buildId: null);
        Assert.True(await store.RecordAsync(legacy));
        Assert.False(await store.RecordAsync(legacy));
        // Another package finishing in the same second on the same arch is another event.
        Assert.True(await store.RecordAsync(Event(BuildStatus.Building, buildId: null, srpm: "other-2.0-1.el7.src.rpm")));

        var records = await store.QueryAsync(BuildStatus.Building, Target);
        Assert.Equal(2, records.Count);
        Assert.Null(records[0].BuildId);
    }

    [Fact]
    public async Task WhenARetriedBuildStartsTheAbandonedAttemptIsMarkedDone()
    {
        await store.RecordAsync(Event(BuildStatus.Building, "20261125100000"));
        // The worker died; the job came back to another worker, which stamps a new timestamp.
        await store.RecordAsync(Event(BuildStatus.Building, "20261125103000"));

        var building = Assert.Single(await store.QueryAsync(BuildStatus.Building, Target));
        Assert.Equal("20261125103000", building.Timestamp);
        var abandoned = HistoryRows.All(DatabasePath)[0];
        Assert.Equal(("20261125100000", "Done", "superseded by a retry"), (abandoned.Timestamp, abandoned.Status, abandoned.Comment));

        await store.RecordAsync(Event(BuildStatus.Success, "20261125103000"));
        Assert.Empty(await store.QueryAsync(BuildStatus.Building, Target));
    }

    [Fact]
    public async Task ARetryLeavesOtherBuildsAndOtherArchesBuilding()
    {
        await store.RecordAsync(Event(BuildStatus.Building, "20261125100000", buildId: "build-1", arch: "i386"));
        await store.RecordAsync(Event(BuildStatus.Building, "20261125100000", buildId: "build-2"));
        await store.RecordAsync(Event(BuildStatus.Building, "20261125103000", buildId: "build-1"));

        Assert.Equal(
            [("i386", "build-1"), ("x86_64", "build-2"), ("x86_64", "build-1")],
            (await store.QueryAsync(BuildStatus.Building, Target)).Select(r => (r.Arch, r.BuildId)));
    }

    [Fact]
    public async Task QueryFiltersByStatusAndTargetOldestFirst()
    {
        await store.RecordAsync(Event(BuildStatus.Success, "20261125100000", srpm: "a-1-1.src.rpm", buildId: "1"));
        await store.RecordAsync(Event(BuildStatus.Success, "20261125100000", srpm: "b-1-1.src.rpm", buildId: "2", target: "c7.extras.x86_64"));
        await store.RecordAsync(Event(BuildStatus.Success, "20261125110000", srpm: "c-1-1.src.rpm", buildId: "3"));
        await store.RecordAsync(Event(BuildStatus.Building, "20261125120000", srpm: "d-1-1.src.rpm", buildId: "4"));

        Assert.Equal(["a-1-1.src.rpm", "c-1-1.src.rpm"], (await store.QueryAsync(BuildStatus.Success, Target)).Select(r => r.Srpm));
        Assert.Equal(["a-1-1.src.rpm", "b-1-1.src.rpm", "c-1-1.src.rpm"], (await store.QueryAsync(BuildStatus.Success, null)).Select(r => r.Srpm));
        Assert.Equal(["d-1-1.src.rpm"], (await store.QueryAsync(BuildStatus.Building, null)).Select(r => r.Srpm));
        Assert.Empty(await store.QueryAsync(BuildStatus.Failed, null));
        Assert.Empty(await store.QueryAsync(BuildStatus.Success, "c7.nothing.x86_64"));
    }

    [Fact]
    public async Task QueryForDoneFindsNothingLikeTheOriginalQueryTool()
    {
        // Done records were Building records, which never carry latest_build.
        await store.RecordAsync(Event(BuildStatus.Building));
        await store.RecordAsync(Event(BuildStatus.Success));

        Assert.Empty(await store.QueryAsync(BuildStatus.Done, Target));
    }

    [Fact]
    public async Task OverrideTurnsTheLatestBuildIntoOverrideWithTheComment()
    {
        await store.RecordAsync(Event(BuildStatus.Failed, "20261125100000", buildId: "build-1"));
        await store.RecordAsync(Event(BuildStatus.Failed, "20261125110000", buildId: "build-2"));

        Assert.True(await store.OverrideAsync("hello-1.0-1.el7.src.rpm", Target, "x86_64", "built against devtoolset-7-llvm"));

        Assert.Empty(await store.QueryAsync(BuildStatus.Failed, Target));
        var overridden = Assert.Single(await store.QueryAsync(BuildStatus.Override, Target));
        Assert.Equal(("20261125110000", "built against devtoolset-7-llvm", true), (overridden.Timestamp, overridden.Comment, overridden.LatestBuild));
        Assert.Equal([("Failed", false), ("Override", true)], HistoryRows.All(DatabasePath).Select(r => (r.Status, r.LatestBuild)));
    }

    [Fact]
    public async Task OverrideWithoutALatestBuildReturnsFalseAndChangesNothing()
    {
        await store.RecordAsync(Event(BuildStatus.Building));

        Assert.False(await store.OverrideAsync("hello-1.0-1.el7.src.rpm", Target, "x86_64", "no result yet"));
        Assert.False(await store.OverrideAsync("unknown-1-1.src.rpm", Target, "x86_64", "never built"));
        Assert.False(await store.OverrideAsync("hello-1.0-1.el7.src.rpm", Target, "aarch64", "other arch"));

        Assert.Equal(["Building"], HistoryRows.All(DatabasePath).Select(r => r.Status));
    }

    [Fact]
    public async Task TheHistoryIsStillThereAfterReopening()
    {
        await store.RecordAsync(Event(BuildStatus.Building));
        await store.RecordAsync(Event(BuildStatus.Success));
        await store.DisposeAsync();

        store = await SqliteHistoryStore.OpenAsync(DatabasePath);

        Assert.Single(await store.QueryAsync(BuildStatus.Success, Target));
        Assert.False(await store.RecordAsync(Event(BuildStatus.Success)));
    }

    [Fact]
    public async Task EveryFieldOfTheEventIsKept()
    {
        await store.DisposeAsync();
        var recordedAt = new DateTimeOffset(2026, 11, 25, 15, 46, 2, TimeSpan.Zero);
        store = await SqliteHistoryStore.OpenAsync(DatabasePath, new FixedTimeProvider(recordedAt));

        await store.RecordAsync(Event(BuildStatus.Failed, scratch: true, submitter: null, reason: "mock exited with 30"));

        var record = Assert.Single(await store.QueryAsync(BuildStatus.Failed, Target));
        Assert.Equal(new BuildRecord
        {
            Srpm = "hello-1.0-1.el7.src.rpm",
            Arch = "x86_64",
            Target = Target,
            Disttag = ".el7",
            Scratch = true,
            Submitter = null,
            BuildId = "build-1",
            Status = "Failed",
            BuilderFqdn = "builder1.example.org",
            Evr = "1.0-1.el7",
            PkgName = "hello",
            Timestamp = "20261125164602",
            LatestBuild = true,
            Comment = null,
            Reason = "mock exited with 30",
            RecordedAt = recordedAt,
        }, record);
    }

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
}
