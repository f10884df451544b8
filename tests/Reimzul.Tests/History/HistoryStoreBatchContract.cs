using static Reimzul.Tests.History.BuildEvents;
using Reimzul.Messages;
using Reimzul.Tests.Support;

namespace Reimzul.Tests.History;

/// <summary>The batch calls the notifier uses for a burst of events: the same rows as the events one by one.</summary>
public abstract partial class HistoryStoreContract
{
    [ContractFact]
    public async Task ABatchOfEventsIsRecordedAsTheSameEventsOneAfterAnother()
    {
        var batch = new[]
        {
            Event(BuildStatus.Building, "20261125100000", buildId: "build-1"),
            Event(BuildStatus.Success, "20261125100000", buildId: "build-1"),
            Event(BuildStatus.Building, "20261125110000", buildId: "build-2"),
            Event(BuildStatus.Failed, "20261125110000", buildId: "build-2", reason: "rpmbuild exited with 1"),
            Event(BuildStatus.Success, "20261125120000", srpm: "other-2.0-1.el7.src.rpm", buildId: "build-3"),
            Event(BuildStatus.Success, "20261125100000", buildId: "build-1"),
        };

        var recorded = await Store.RecordManyAsync(batch);

        Assert.Equal([true, true, true, true, true, false], recorded);
        Assert.Equal(
            [("Done", false), ("Success", false), ("Done", false), ("Failed", true), ("Success", true)],
            (await RowsAsync()).Select(r => (r.Status, r.LatestBuild)));
        Assert.Equal("build-2", Assert.Single(await Store.QueryAsync(BuildStatus.Failed, Target)).BuildId);
        Assert.Equal("other-2.0-1.el7.src.rpm", Assert.Single(await Store.QueryAsync(BuildStatus.Success, Target)).Srpm);
        Assert.Equal([false, false], await Store.RecordManyAsync([batch[0], batch[4]]));
        Assert.Empty(await Store.RecordManyAsync([]));
    }

    [ContractFact]
    public async Task ContainsManyAnswersForEachEventWhetherItIsRecorded()
    {
        var building = Event(BuildStatus.Building, buildId: "build-1");
        var success = Event(BuildStatus.Success, buildId: "build-1");
        var otherArch = Event(BuildStatus.Building, arch: "i686", buildId: "build-1");
        await Store.RecordAsync(building);

        Assert.Equal([true, false, false], await Store.ContainsManyAsync([building, success, otherArch]));
        await Store.RecordManyAsync([success, otherArch]);
        Assert.Equal([true, true, true], await Store.ContainsManyAsync([building, success, otherArch]));
    }
}
