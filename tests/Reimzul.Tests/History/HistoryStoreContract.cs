using static Reimzul.Tests.History.BuildEvents;
using Reimzul.History;
using Reimzul.Messages;
using Reimzul.Tests.Support;

namespace Reimzul.Tests.History;

/// <summary>
/// What every history store does, whatever keeps the rows: run against SQLite, PostgreSQL, MongoDB and a store served
/// over the process protocol. A subclass opens the store on one database (the same one each time it is asked) and
/// reads its rows directly, as an operator with the database's own shell would.
/// </summary>
public abstract partial class HistoryStoreContract : IAsyncLifetime
{
    protected const string Target = "c7.1708.u.x86_64";

    protected IHistoryStore Store { get; private set; } = null!;

    /// <summary>Opens the store of this test, stamping <c>recorded_at</c> from <paramref name="time"/>.</summary>
    protected abstract Task<IHistoryStore> OpenAsync(TimeProvider time);

    /// <summary>Every row, oldest first.</summary>
    protected abstract Task<List<HistoryRows.Row>> RowsAsync();

    public virtual async Task InitializeAsync() => Store = await OpenAsync(TimeProvider.System);

    public virtual async Task DisposeAsync() => await Store.DisposeAsync();

    protected async Task ReopenAsync(TimeProvider? time = null)
    {
        await Store.DisposeAsync();
        Store = await OpenAsync(time ?? TimeProvider.System);
    }

    [ContractFact]
    public async Task WhenABuildSucceedsItsBuildingRecordIsDoneAndTheResultIsTheLatest()
    {
        Assert.True(await Store.RecordAsync(Event(BuildStatus.Building)));
        Assert.Single(await Store.QueryAsync(BuildStatus.Building, Target));

        Assert.True(await Store.RecordAsync(Event(BuildStatus.Success)));

        Assert.Empty(await Store.QueryAsync(BuildStatus.Building, Target));
        var success = Assert.Single(await Store.QueryAsync(BuildStatus.Success, Target));
        Assert.True(success.LatestBuild);
        Assert.Equal("hello-1.0-1.el7.src.rpm", success.Srpm);
        Assert.Equal("build-1", success.BuildId);
        Assert.Equal([("Done", false), ("Success", true)], (await RowsAsync()).Select(r => (r.Status, r.LatestBuild)));
    }

    [ContractFact]
    public async Task WhenTheSamePackageIsBuiltAgainTheFirstResultIsNoLongerTheLatest()
    {
        await Store.RecordAsync(Event(BuildStatus.Building, "20261125100000", buildId: "build-1"));
        await Store.RecordAsync(Event(BuildStatus.Success, "20261125100000", buildId: "build-1"));
        await Store.RecordAsync(Event(BuildStatus.Building, "20261125110000", buildId: "build-2"));
        await Store.RecordAsync(Event(BuildStatus.Success, "20261125110000", buildId: "build-2"));

        var latest = Assert.Single(await Store.QueryAsync(BuildStatus.Success, Target));
        Assert.Equal("20261125110000", latest.Timestamp);
        Assert.Equal(
            [("Done", false), ("Success", false), ("Done", false), ("Success", true)],
            (await RowsAsync()).Select(r => (r.Status, r.LatestBuild)));
    }

    [ContractFact]
    public async Task AFailedResultIsTheLatestBuildToo()
    {
        await Store.RecordAsync(Event(BuildStatus.Success, "20261125100000", buildId: "build-1"));
        await Store.RecordAsync(Event(BuildStatus.Building, "20261125110000", buildId: "build-2"));
        await Store.RecordAsync(Event(BuildStatus.Failed, "20261125110000", buildId: "build-2", reason: "rpmbuild exited with 1"));

        Assert.Empty(await Store.QueryAsync(BuildStatus.Success, Target));
        var failed = Assert.Single(await Store.QueryAsync(BuildStatus.Failed, Target));
        Assert.True(failed.LatestBuild);
        Assert.Equal("rpmbuild exited with 1", failed.Reason);
        Assert.Empty(await Store.QueryAsync(BuildStatus.Building, Target));
    }

    [ContractFact]
    public async Task ACanceledBuildEndsItsBuildingRecordButLeavesTheLatestResultAsItIs()
    {
        await Store.RecordAsync(Event(BuildStatus.Success, "20261125100000", buildId: "build-1"));
        await Store.RecordAsync(Event(BuildStatus.Building, "20261125110000", buildId: "build-2"));
        Assert.True(await Store.RecordAsync(Event(BuildStatus.Canceled, "20261125110000", buildId: "build-2", reason: "canceled by alice")));
        Assert.False(await Store.RecordAsync(Event(BuildStatus.Canceled, "20261125110000", buildId: "build-2", reason: "canceled by alice")));

        Assert.Empty(await Store.QueryAsync(BuildStatus.Building, Target));
        Assert.Equal("20261125100000", Assert.Single(await Store.QueryAsync(BuildStatus.Success, Target)).Timestamp);
        var canceled = Assert.Single(await Store.QueryAsync(BuildStatus.Canceled, Target));
        Assert.False(canceled.LatestBuild);
        Assert.Equal("canceled by alice", canceled.Reason);
        Assert.Equal(
            [("Success", true), ("Done", false), ("Canceled", false)],
            (await RowsAsync()).Select(r => (r.Status, r.LatestBuild)));
    }

    [ContractFact]
    public async Task OtherArchesAndTargetsKeepTheirOwnLatestBuild()
    {
        await Store.RecordAsync(Event(BuildStatus.Success, "20261125100000", arch: "x86_64", target: "c7.u.x86_64", buildId: "a"));
        await Store.RecordAsync(Event(BuildStatus.Success, "20261125100000", arch: "i386", target: "c7.u.x86_64", buildId: "a"));
        await Store.RecordAsync(Event(BuildStatus.Success, "20261125100000", arch: "x86_64", target: "c7.extras.x86_64", buildId: "b"));
        await Store.RecordAsync(Event(BuildStatus.Failed, "20261125120000", arch: "x86_64", target: "c7.u.x86_64", buildId: "c"));

        Assert.Equal(
            [("i386", "c7.u.x86_64"), ("x86_64", "c7.extras.x86_64")],
            (await Store.QueryAsync(BuildStatus.Success, target: null)).Select(r => (r.Arch, r.Target)));
        Assert.Equal("x86_64", Assert.Single(await Store.QueryAsync(BuildStatus.Failed, "c7.u.x86_64")).Arch);
    }

    [ContractFact]
    public async Task LatestListsTheLatestBuildOfEveryPackageOfTheTargetWhateverItsStatus()
    {
        await Store.RecordAsync(Event(BuildStatus.Success, "20261125100000", srpm: "a-1-1.src.rpm", buildId: "1"));
        await Store.RecordAsync(Event(BuildStatus.Failed, "20261125100000", srpm: "b-1-1.src.rpm", buildId: "2"));
        await Store.RecordAsync(Event(BuildStatus.Success, "20261125110000", srpm: "a-1-1.src.rpm", buildId: "3"));
        await Store.RecordAsync(Event(BuildStatus.Building, "20261125120000", srpm: "c-1-1.src.rpm", buildId: "4"));
        await Store.RecordAsync(Event(BuildStatus.Success, "20261125120000", srpm: "d-1-1.src.rpm", buildId: "5", target: "c7.extras.x86_64"));
        await Store.OverrideAsync("b-1-1.src.rpm", Target, "x86_64", "known to fail");

        Assert.Equal(
            [("b-1-1.src.rpm", "Override"), ("a-1-1.src.rpm", "Success")],
            (await Store.LatestAsync(Target)).Select(r => (r.Srpm, r.Status)));
        Assert.Empty(await Store.LatestAsync("c7.nothing.x86_64"));
    }

    [ContractFact]
    public async Task ARedeliveredEventIsRecordedOnce()
    {
        var building = Event(BuildStatus.Building);
        Assert.False(await Store.ContainsAsync(building));

        Assert.True(await Store.RecordAsync(building));
        Assert.True(await Store.ContainsAsync(building));
        Assert.False(await Store.RecordAsync(building));

        var success = Event(BuildStatus.Success);
        Assert.False(await Store.ContainsAsync(success));
        Assert.True(await Store.RecordAsync(success));
        Assert.False(await Store.RecordAsync(success));
        // The Building event stays recognised after its record turned Done.
        Assert.False(await Store.RecordAsync(building));

        Assert.Equal(["Done", "Success"], (await RowsAsync()).Select(r => r.Status));
    }

    [ContractFact]
    public async Task ARedeliveredOldResultDoesNotTakeTheLatestFromANewerBuild()
    {
        var first = Event(BuildStatus.Success, "20261125100000", buildId: "build-1");
        await Store.RecordAsync(first);
        await Store.RecordAsync(Event(BuildStatus.Success, "20261125110000", buildId: "build-2"));

        Assert.False(await Store.RecordAsync(first));

        Assert.Equal("20261125110000", Assert.Single(await Store.QueryAsync(BuildStatus.Success, Target)).Timestamp);
    }

    [ContractFact]
    public async Task EventsWithoutABuildIdAreRecognisedByPackageArchTimestampAndStatus()
    {
        var legacy = Event(BuildStatus.Building, buildId: null);
        Assert.True(await Store.RecordAsync(legacy));
        Assert.False(await Store.RecordAsync(legacy));
        // Another package finishing in the same second on the same arch is another event.
        Assert.True(await Store.RecordAsync(Event(BuildStatus.Building, buildId: null, srpm: "other-2.0-1.el7.src.rpm")));

        var records = await Store.QueryAsync(BuildStatus.Building, Target);
        Assert.Equal(2, records.Count);
        Assert.Null(records[0].BuildId);
    }

    [ContractFact]
    public async Task WhenARetriedBuildStartsTheAbandonedAttemptIsMarkedDone()
    {
        await Store.RecordAsync(Event(BuildStatus.Building, "20261125100000"));
        // The worker died; the job came back to another worker, which stamps a new timestamp.
        await Store.RecordAsync(Event(BuildStatus.Building, "20261125103000"));

        var building = Assert.Single(await Store.QueryAsync(BuildStatus.Building, Target));
        Assert.Equal("20261125103000", building.Timestamp);
        var abandoned = (await RowsAsync())[0];
        Assert.Equal(("20261125100000", "Done", "superseded by a retry"), (abandoned.Timestamp, abandoned.Status, abandoned.Comment));

        await Store.RecordAsync(Event(BuildStatus.Success, "20261125103000"));
        Assert.Empty(await Store.QueryAsync(BuildStatus.Building, Target));
    }

    [ContractFact]
    public async Task ARetryLeavesOtherBuildsAndOtherArchesBuilding()
    {
        await Store.RecordAsync(Event(BuildStatus.Building, "20261125100000", buildId: "build-1", arch: "i386"));
        await Store.RecordAsync(Event(BuildStatus.Building, "20261125100000", buildId: "build-2"));
        await Store.RecordAsync(Event(BuildStatus.Building, "20261125103000", buildId: "build-1"));

        Assert.Equal(
            [("i386", "build-1"), ("x86_64", "build-2"), ("x86_64", "build-1")],
            (await Store.QueryAsync(BuildStatus.Building, Target)).Select(r => (r.Arch, r.BuildId)));
    }

    [ContractFact]
    public async Task QueryFiltersByStatusAndTargetOldestFirst()
    {
        await Store.RecordAsync(Event(BuildStatus.Success, "20261125100000", srpm: "a-1-1.src.rpm", buildId: "1"));
        await Store.RecordAsync(Event(BuildStatus.Success, "20261125100000", srpm: "b-1-1.src.rpm", buildId: "2", target: "c7.extras.x86_64"));
        await Store.RecordAsync(Event(BuildStatus.Success, "20261125110000", srpm: "c-1-1.src.rpm", buildId: "3"));
        await Store.RecordAsync(Event(BuildStatus.Building, "20261125120000", srpm: "d-1-1.src.rpm", buildId: "4"));

        Assert.Equal(["a-1-1.src.rpm", "c-1-1.src.rpm"], (await Store.QueryAsync(BuildStatus.Success, Target)).Select(r => r.Srpm));
        Assert.Equal(["a-1-1.src.rpm", "b-1-1.src.rpm", "c-1-1.src.rpm"], (await Store.QueryAsync(BuildStatus.Success, null)).Select(r => r.Srpm));
        Assert.Equal(["d-1-1.src.rpm"], (await Store.QueryAsync(BuildStatus.Building, null)).Select(r => r.Srpm));
        Assert.Empty(await Store.QueryAsync(BuildStatus.Failed, null));
        Assert.Empty(await Store.QueryAsync(BuildStatus.Success, "c7.nothing.x86_64"));
    }

    [ContractFact]
    public async Task QueryForDoneFindsNothingLikeTheOriginalQueryTool()
    {
        // Done records were Building records, which never carry latest_build.
        await Store.RecordAsync(Event(BuildStatus.Building));
        await Store.RecordAsync(Event(BuildStatus.Success));

        Assert.Empty(await Store.QueryAsync(BuildStatus.Done, Target));
    }

    [ContractFact]
    public async Task OverrideTurnsTheLatestBuildIntoOverrideWithTheComment()
    {
        await Store.RecordAsync(Event(BuildStatus.Failed, "20261125100000", buildId: "build-1"));
        await Store.RecordAsync(Event(BuildStatus.Failed, "20261125110000", buildId: "build-2"));

        Assert.True(await Store.OverrideAsync("hello-1.0-1.el7.src.rpm", Target, "x86_64", "built against devtoolset-7-llvm"));

        Assert.Empty(await Store.QueryAsync(BuildStatus.Failed, Target));
        var overridden = Assert.Single(await Store.QueryAsync(BuildStatus.Override, Target));
        Assert.Equal(("20261125110000", "built against devtoolset-7-llvm", true), (overridden.Timestamp, overridden.Comment, overridden.LatestBuild));
        Assert.Equal([("Failed", false), ("Override", true)], (await RowsAsync()).Select(r => (r.Status, r.LatestBuild)));
    }

    [ContractFact]
    public async Task OverrideWithoutALatestBuildReturnsFalseAndChangesNothing()
    {
        await Store.RecordAsync(Event(BuildStatus.Building));

        Assert.False(await Store.OverrideAsync("hello-1.0-1.el7.src.rpm", Target, "x86_64", "no result yet"));
        Assert.False(await Store.OverrideAsync("unknown-1-1.src.rpm", Target, "x86_64", "never built"));
        Assert.False(await Store.OverrideAsync("hello-1.0-1.el7.src.rpm", Target, "aarch64", "other arch"));

        Assert.Equal(["Building"], (await RowsAsync()).Select(r => r.Status));
    }

    [ContractFact]
    public async Task TheHistoryIsStillThereAfterReopening()
    {
        await Store.RecordAsync(Event(BuildStatus.Building));
        await Store.RecordAsync(Event(BuildStatus.Success));

        await ReopenAsync();

        Assert.Single(await Store.QueryAsync(BuildStatus.Success, Target));
        Assert.False(await Store.RecordAsync(Event(BuildStatus.Success)));
    }

    [ContractFact]
    public async Task EveryFieldOfTheEventIsKept()
    {
        var recordedAt = new DateTimeOffset(2026, 11, 25, 15, 46, 2, TimeSpan.Zero);
        await ReopenAsync(new FixedTimeProvider(recordedAt));

        await Store.RecordAsync(Event(BuildStatus.Failed, scratch: true, submitter: null, reason: "mock exited with 30"));

        var record = Assert.Single(await Store.QueryAsync(BuildStatus.Failed, Target));
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
        }, record with { SourceId = null });
    }

    [ContractFact]
    public async Task AnEventWithoutItsKeyFieldsIsRefusedAsBadInputAndNothingIsWritten()
    {
        var noSrpm = Event(BuildStatus.Success) with { Srpm = "" };
        var noTimestamp = Event(BuildStatus.Success) with { Timestamp = " " };
        var notAnEventStatus = Event(BuildStatus.Done);

        Assert.Contains("srpm", (await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.RecordAsync(noSrpm))).Message, StringComparison.Ordinal);
        Assert.Contains("timestamp", (await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.RecordAsync(noTimestamp))).Message, StringComparison.Ordinal);
        Assert.Contains("Done", (await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.RecordAsync(notAnEventStatus))).Message, StringComparison.Ordinal);

        Assert.Empty(await RowsAsync());
        // The store still works after refusing.
        Assert.True(await Store.RecordAsync(Event(BuildStatus.Building)));
    }

    [ContractFact]
    public async Task AnImportedRecordKeepsItsStatusAndLatestFlagAndImportingItAgainAddsNothing()
    {
        var done = Imported(BuildStatus.Done, latest: false);
        var success = Imported(BuildStatus.Success, latest: true);
        var overridden = Imported(BuildStatus.Override, latest: true, srpm: "other-1-1.src.rpm") with { Comment = "fixed by hand" };

        Assert.True(await Store.ImportAsync(done));
        Assert.True(await Store.ImportAsync(success));
        Assert.True(await Store.ImportAsync(overridden));
        Assert.False(await Store.ImportAsync(done));
        Assert.False(await Store.ImportAsync(success));
        Assert.False(await Store.ImportAsync(overridden));

        Assert.Equal([("Done", false), ("Success", true), ("Override", true)], (await RowsAsync()).Select(r => (r.Status, r.LatestBuild)));
        var record = Assert.Single(await Store.QueryAsync(BuildStatus.Success, Target));
        Assert.Equal(success with { SourceId = null }, record with { SourceId = null });
        Assert.Equal("fixed by hand", Assert.Single(await Store.QueryAsync(BuildStatus.Override, Target)).Comment);
    }

    [ContractFact]
    public async Task AfterAnImportNewEventsTakeTheLatestFromImportedRecords()
    {
        await Store.ImportAsync(Imported(BuildStatus.Success, latest: true));

        await Store.RecordAsync(Event(BuildStatus.Building, "20261201090000", buildId: "new-build"));
        await Store.RecordAsync(Event(BuildStatus.Failed, "20261201090000", buildId: "new-build"));

        Assert.Empty(await Store.QueryAsync(BuildStatus.Success, Target));
        Assert.Equal("20261201090000", Assert.Single(await Store.LatestAsync(Target)).Timestamp);
        // A redelivered Building event of an imported build (it had none: the original had no build ids) is new.
        Assert.True(await Store.RecordAsync(Event(BuildStatus.Building, "20181005120000", buildId: null)));
    }

    [ContractFact]
    public async Task AnImportedRecordWithoutKeyFieldsIsRefusedAsBadInput()
    {
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.ImportAsync(Imported(BuildStatus.Success, latest: true) with { Arch = "" }));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.ImportAsync(Imported("Finished", latest: true)));

        Assert.Empty(await RowsAsync());
    }

    private static BuildRecord Imported(string status, bool latest, string srpm = "hello-1.0-1.el7.src.rpm") => new()
    {
        Srpm = srpm,
        Arch = "x86_64",
        Target = Target,
        Disttag = ".el7",
        Scratch = false,
        Submitter = "alice",
        BuildId = null,
        Status = status,
        BuilderFqdn = "builder1.example.org",
        Evr = "1.0-1.el7",
        PkgName = "hello",
        Timestamp = "20181005120000",
        LatestBuild = latest,
        RecordedAt = new DateTimeOffset(2018, 10, 5, 12, 0, 3, TimeSpan.Zero),
        SourceId = status == BuildStatus.Done ? "5bb752f3e4b0c1a2b3c4d5e6" : status == BuildStatus.Success ? "5bb752f3e4b0c1a2b3c4d5e7" : "5bb752f3e4b0c1a2b3c4d5e8",
    };

    [ContractFact]
    public async Task ListShowsTheCurrentRecordOfEachBuildAndArchNewestFirst()
    {
        await Store.RecordAsync(Event(BuildStatus.Building, "20261125100000", buildId: "build-1"));
        await Store.RecordAsync(Event(BuildStatus.Success, "20261125100000", buildId: "build-1"));
        await Store.RecordAsync(Event(BuildStatus.Building, "20261125100000", arch: "i386", buildId: "build-1"));
        await Store.RecordAsync(Event(BuildStatus.Building, "20261125110000", srpm: "other-2.0-1.el7.src.rpm", buildId: "build-2"));

        var page = await Store.ListAsync(new BuildQuery());

        Assert.Equal([("build-2", "x86_64", "Building"), ("build-1", "i386", "Building"), ("build-1", "x86_64", "Success")],
            page.Records.Select(r => (r.BuildId, r.Arch, r.Status)));
        Assert.Null(page.NextCursor);
    }

    [ContractFact]
    public async Task ListPagesWithTheCursorUntilTheLastPageHasNone()
    {
        for (var i = 1; i <= 5; i++)
        {
            await Store.RecordAsync(Event(BuildStatus.Building, $"2026112510000{i}", buildId: $"build-{i}"));
        }

        var first = await Store.ListAsync(new BuildQuery { Limit = 2 });
        var second = await Store.ListAsync(new BuildQuery { Limit = 2, Cursor = first.NextCursor });
        var third = await Store.ListAsync(new BuildQuery { Limit = 2, Cursor = second.NextCursor });

        Assert.Equal(["build-5", "build-4"], first.Records.Select(r => r.BuildId));
        Assert.Equal(["build-3", "build-2"], second.Records.Select(r => r.BuildId));
        Assert.Equal(["build-1"], third.Records.Select(r => r.BuildId));
        Assert.NotNull(second.NextCursor);
        Assert.Null(third.NextCursor);
    }

    [ContractFact]
    public async Task ListFiltersByStatusTargetArchPackageSubmitterAndTime()
    {
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);
        await Store.RecordAsync(Event(BuildStatus.Building, "20261125100000", buildId: "build-1", submitter: "alice"));
        await Store.RecordAsync(Event(BuildStatus.Failed, "20261125100000", buildId: "build-1", submitter: "alice"));
        await Store.RecordAsync(Event(BuildStatus.Building, "20261125110000", arch: "i386", target: "c7.1708.u.i386", buildId: "build-2", submitter: "bob"));
        var other = Event(BuildStatus.Building, "20261125120000", srpm: "other-2.0-1.el7.src.rpm", buildId: "build-3") with { PkgName = "other" };
        await Store.RecordAsync(other);

        async Task<IEnumerable<string?>> Ids(BuildQuery q) => (await Store.ListAsync(q)).Records.Select(r => r.BuildId);

        Assert.Equal(["build-1"], await Ids(new BuildQuery { Status = BuildStatus.Failed }));
        Assert.Equal(["build-2"], await Ids(new BuildQuery { Target = "c7.1708.u.i386" }));
        Assert.Equal(["build-2"], await Ids(new BuildQuery { Arch = "i386" }));
        Assert.Equal(["build-3"], await Ids(new BuildQuery { PkgName = "other" }));
        Assert.Equal(["build-2"], await Ids(new BuildQuery { Submitter = "bob" }));
        Assert.Equal(["build-3", "build-2", "build-1"], await Ids(new BuildQuery { Since = before }));
        Assert.Empty(await Ids(new BuildQuery { Until = before }));
        Assert.Empty(await Ids(new BuildQuery { Status = BuildStatus.Success }));
        Assert.Equal(["build-1"], await Ids(new BuildQuery { PkgName = "hello", Status = BuildStatus.Failed, Target = Target }));
    }

    [ContractFact]
    public async Task ListRefusesACursorItDidNotMakeAndALimitOutOfRange()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Store.ListAsync(new BuildQuery { Cursor = "../../etc/passwd" }));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.ListAsync(new BuildQuery { Cursor = "-5" }));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.ListAsync(new BuildQuery { Limit = 0 }));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.ListAsync(new BuildQuery { Limit = BuildQuery.MaxLimit + 1 }));
    }

    [ContractFact]
    public async Task BuildReturnsEveryRecordOfOneBuildOldestFirstAndNothingForAnUnknownId()
    {
        await Store.RecordAsync(Event(BuildStatus.Building, "20261125100000", buildId: "build-1"));
        await Store.RecordAsync(Event(BuildStatus.Building, "20261125100000", buildId: "build-2"));
        await Store.RecordAsync(Event(BuildStatus.Success, "20261125100000", buildId: "build-1") with { DurationSeconds = 12.5 });

        var records = await Store.BuildAsync("build-1");

        Assert.Equal([("x86_64", "Done"), ("x86_64", "Success")], records.Select(r => (r.Arch, r.Status)));
        Assert.Equal(12.5, records[1].DurationSeconds);
        Assert.Empty(await Store.BuildAsync("no-such-build"));
    }

    [ContractFact]
    public async Task BuildingAndBuildersSeenTellWhoBuildsWhatNow()
    {
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);
        await Store.RecordAsync(Event(BuildStatus.Building, "20261125100000", buildId: "build-1"));
        await Store.RecordAsync(Event(BuildStatus.Success, "20261125100000", buildId: "build-1"));
        await Store.RecordAsync(Event(BuildStatus.Building, "20261125110000", buildId: "build-2") with { BuilderFqdn = "builder2.example.org" });

        var building = Assert.Single(await Store.BuildingAsync());
        var seen = await Store.BuildersSeenAsync(before);

        Assert.Equal(("build-2", "builder2.example.org"), (building.BuildId, building.BuilderFqdn));
        Assert.Equal(["builder1.example.org", "builder2.example.org"], seen.Select(b => b.Name));
        Assert.All(seen, b => Assert.True(b.LastSeen >= before));
        Assert.Empty(await Store.BuildersSeenAsync(DateTimeOffset.UtcNow.AddMinutes(1)));
    }
}
