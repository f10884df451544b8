using Microsoft.Extensions.Logging.Abstractions;
using Reimzul.Config;
using Reimzul.Messages;
using Reimzul.Processes;
using Reimzul.Repogen;
using Reimzul.ResultStores;
using Reimzul.Retry;
using Reimzul.Tests.Support;
using Reimzul.Worker;

namespace Reimzul.Tests.Worker;

/// <summary>
/// Workers on the real embedded queue with the host's rpmbuild and a local store, met by what a busy or faulty
/// deployment does to them: two builds of a package in one second, an announcement lost after the store, a worker
/// that dies in the middle of a chain, a package submitted again. Whatever happens, each build has a dir of its own
/// and the repo lists each package once.
/// </summary>
public sealed class BuildWorkerPublicationFacts : IAsyncLifetime, IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 15, 46, 2, TimeSpan.Zero);
    private static readonly RetryPolicy QuickAnnounce = new(TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(50));

    private readonly WorkerBench _bench = new();
    private readonly RecordingResultStore _store;

    public BuildWorkerPublicationFacts() => _store = new RecordingResultStore(new LocalResultStore(_bench.Paths, NullLogger.Instance));

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _bench.DisposeAsync().AsTask();

    public void Dispose() => _bench.Dispose();

    private string RepoDir => Path.Combine(_bench.Paths.Repo, WorkerBench.Target);

    private async Task<List<BuildEvent>> EventsAsync(int count)
    {
        var events = new List<BuildEvent>();
        for (var i = 0; i < count; i++)
        {
            events.Add(await _bench.NextEventAsync());
        }
        return events;
    }

    /// <summary>What dnf lists after createrepo_c indexed the target, as the repogen role runs it.</summary>
    private async Task<IReadOnlyList<string>> RepoListingAsync()
    {
        var regenerator = new RepoRegenerator(_bench.Paths, new RepogenOptions { Workers = 2 }, ProcessRunner.Default, NullLogger.Instance);
        await regenerator.RequestAsync(WorkerBench.Target, CancellationToken.None);
        await regenerator.RunPendingAsync(WorkerBench.Target, CancellationToken.None);
        return await RepoQuery.ListAsync(RepoDir);
    }

    private static string[] FilesIn(string dir) => Directory.GetFiles(dir).Select(f => Path.GetFileName(f)!).Order(StringComparer.Ordinal).ToArray();

    [Fact]
    public async Task TwoWorkersStartingBuildsOfOnePackageInTheSameSecondGetTimestampsAndDirsOfTheirOwn()
    {
        await SrpmFactory.BuildAsync(SrpmFactory.NoarchSpec("hello-twin", release: "1%{?dist}"), _bench.Paths.Incoming);
        await SrpmFactory.BuildAsync(SrpmFactory.NoarchSpec("hello-twin", release: "2%{?dist}"), _bench.Paths.Incoming);
        await _bench.PutAsync("hello-twin-1.0-1.src.rpm", buildId: "build-1");
        await _bench.PutAsync("hello-twin-1.0-2.src.rpm", buildId: "build-2");

        // Both clocks show the same second, as two idle workers taking the two jobs at once do.
        await _bench.StartWorkerAsync(_store, new FixedTimeProvider(Now));
        await _bench.StartWorkerAsync(_store, new FixedTimeProvider(Now));
        var events = await EventsAsync(4);
        await _bench.Probe.WaitUntilAllDeletedAsync("x86_64", putCount: 2);

        var successes = events.Where(e => e.Status == BuildStatus.Success).OrderBy(e => e.Evr, StringComparer.Ordinal).ToList();
        Assert.Equal(["1.0-1", "1.0-2"], successes.Select(e => e.Evr));
        Assert.Equal(["20261125154602", "20261125154603"], successes.Select(e => e.Timestamp).Order(StringComparer.Ordinal));
        foreach (var success in successes)
        {
            Assert.Equal(["build.log", $"hello-twin-{success.Evr}.el7.noarch.rpm", "reimzul-result.json", "root.log", "stderr", "stdout"],
                FilesIn(Path.Combine(RepoDir, "hello-twin", success.Timestamp, $"{success.Evr}.x86_64")));
        }
        Assert.Equal(["hello-twin-1.0-1.el7.noarch", "hello-twin-1.0-2.el7.noarch"], await RepoListingAsync());
    }

    [Fact]
    public async Task AnAnnouncementThatFailsAfterTheStoreIsRetriedAndNothingIsBuiltOrPublishedAgain()
    {
        await SrpmFactory.BuildAsync(SrpmFactory.NoarchSpec("hello-lost"), _bench.Paths.Incoming);
        var queues = new FlakyNotifyQueues(_bench.Queues, BuildStatus.Success, failures: 3);
        await _bench.PutAsync("hello-lost-1.0-1.src.rpm");

        await _bench.StartWorkerAsync(_store, queues: queues, announceRetry: QuickAnnounce);
        var events = await EventsAsync(2);
        await _bench.Probe.WaitUntilAllDeletedAsync("x86_64", putCount: 1);

        Assert.Equal([BuildStatus.Building, BuildStatus.Success], events.Select(e => e.Status));
        Assert.Equal(3, queues.Failed);
        Assert.Single(_store.Attempts);
        Assert.Empty(await _bench.Probe.TakeReadyAsync(Tubes.Notify));
        Assert.Equal(["hello-lost-1.0-1.el7.noarch"], await RepoListingAsync());
    }

    [Fact]
    public async Task ADeliveryThatFindsItsPlaceTakenByAnotherDeliveryOfTheSameBuildAnnouncesThatResultNotAFailure()
    {
        // A queue session lost mid-build releases the job: a second worker builds the same build (same build id, same
        // timestamp) and stores first. The first worker's store is then refused, yet the build did not fail.
        await SrpmFactory.BuildAsync(SrpmFactory.NoarchSpec("hello-race"), _bench.Paths.Incoming);
        await _bench.PutAsync("hello-race-1.0-1.src.rpm", buildId: "build-race");
        _store.BeforeStore = async (result, inner) =>
        {
            _store.BeforeStore = null;
            var other = result.ResultDir + ".other";
            Directory.CreateDirectory(other);
            foreach (var file in Directory.GetFiles(result.ResultDir))
            {
                File.Copy(file, Path.Combine(other, Path.GetFileName(file)));
            }
            await File.AppendAllTextAsync(Path.Combine(other, "build.log"), "built by the other delivery\n");
            await inner.StoreAsync(result with { ResultDir = other }, CancellationToken.None);
        };

        await _bench.StartWorkerAsync(_store);
        var events = await EventsAsync(2);
        await _bench.Probe.WaitUntilAllDeletedAsync("x86_64", putCount: 1);

        Assert.Equal([BuildStatus.Building, BuildStatus.Success], events.Select(e => e.Status));
        Assert.Null(events[1].Reason);
        Assert.Equal(["hello-race-1.0-1.el7.noarch"], await RepoListingAsync());
    }

    [Fact]
    public async Task AWorkerThatGivesUpAnnouncingLeavesTheJobToARedeliveryThatAnnouncesTheStoredResultWithoutBuilding()
    {
        await SrpmFactory.BuildAsync(SrpmFactory.NoarchSpec("hello-later"), _bench.Paths.Incoming);
        var queues = new FlakyNotifyQueues(_bench.Queues, BuildStatus.Success, failures: 100);
        var firstBackend = new InterruptibleBackend(WorkerBench.Rpmbuild());
        await _bench.PutAsync("hello-later-1.0-1.src.rpm");

        var first = await _bench.StartWorkerAsync(_store, backend: firstBackend, queues: queues, announceRetry: QuickAnnounce with { MaxAttempts = 2 });
        var building = await _bench.NextEventAsync();
        await _bench.Probe.WaitForStatsAsync("x86_64", s => s.Delayed == 1, "the job was released with a delay");
        await first.StopAsync();
        // A restarted worker takes the job once its back-off is over.
        var secondBackend = new InterruptibleBackend(WorkerBench.Rpmbuild());
        await _bench.StartWorkerAsync(_store, backend: secondBackend);
        _bench.QueueClock.Advance(TimeSpan.FromHours(1));
        var success = await _bench.NextEventAsync();
        await _bench.Probe.WaitUntilAllDeletedAsync("x86_64", putCount: 1);

        Assert.Equal((BuildStatus.Building, BuildStatus.Success), (building.Status, success.Status));
        Assert.Equal((building.Timestamp, building.BuildId), (success.Timestamp, success.BuildId));
        Assert.True(success.DurationSeconds > 0, "the announcement lost the build's duration");
        Assert.Equal(["x86_64"], firstBackend.Arches);
        Assert.Empty(secondBackend.Arches);
        Assert.Single(_store.Attempts);
        Assert.Equal(["hello-later-1.0-1.el7.noarch"], await RepoListingAsync());
    }

    [Fact]
    public async Task AJobWithoutABuildIdResumesToo()
    {
        await SrpmFactory.BuildAsync(SrpmFactory.NoarchSpec("hello-anon"), _bench.Paths.Incoming);
        var queues = new FlakyNotifyQueues(_bench.Queues, BuildStatus.Success, failures: 100);
        await _bench.PutAsync("hello-anon-1.0-1.src.rpm", buildId: null);

        var first = await _bench.StartWorkerAsync(_store, queues: queues, announceRetry: QuickAnnounce with { MaxAttempts = 1 });
        var building = await _bench.NextEventAsync();
        await _bench.Probe.WaitForStatsAsync("x86_64", s => s.Delayed == 1, "the job was released with a delay");
        await first.StopAsync();
        await _bench.StartWorkerAsync(_store);
        _bench.QueueClock.Advance(TimeSpan.FromHours(1));
        var success = await _bench.NextEventAsync();
        await _bench.Probe.WaitUntilAllDeletedAsync("x86_64", putCount: 1);

        Assert.Equal((building.Timestamp, building.BuildId), (success.Timestamp, success.BuildId));
        Assert.Matches("^[0-9a-f]{32}$", success.BuildId);
        Assert.Single(_store.Attempts);
    }

    [Fact]
    public async Task AChainWhoseWorkerDiesDuringTheI386BuildResumesAtI386UnderTheSameTimestamp()
    {
        await SrpmFactory.BuildAsync(SrpmFactory.CProgramSpec("hello-chain"), _bench.Paths.Incoming);
        var dying = new InterruptibleBackend(WorkerBench.Rpmbuild()) { HangOn = "i386" };
        await _bench.PutAsync("hello-chain-2.0-1.src.rpm");

        var first = await _bench.StartWorkerAsync(_store, backend: dying);
        var before = await EventsAsync(3);
        await dying.Hanging;
        await first.StopAsync();
        var resumed = new InterruptibleBackend(WorkerBench.Rpmbuild());
        await _bench.StartWorkerAsync(_store, backend: resumed);
        var after = await EventsAsync(3);
        await _bench.Probe.WaitUntilAllDeletedAsync("x86_64", putCount: 1);

        Assert.Equal([(BuildStatus.Building, "x86_64"), (BuildStatus.Success, "x86_64"), (BuildStatus.Building, "i386")], before.Select(e => (e.Status, e.Arch)));
        // The stored x86_64 build is announced again (the notifier records an event once), not built again.
        Assert.Equal([(BuildStatus.Success, "x86_64"), (BuildStatus.Building, "i386"), (BuildStatus.Success, "i386")], after.Select(e => (e.Status, e.Arch)));
        Assert.Single(before.Concat(after).Select(e => e.Timestamp).Distinct());
        Assert.Equal(["i386"], resumed.Arches);
        Assert.Equal(["x86_64", "i386"], _store.Attempts.Select(a => a.Arch));
        Assert.Equal(["hello-chain-2.0-1.el7.i686", "hello-chain-2.0-1.el7.x86_64", "hello-chain-libs-2.0-1.el7.i686", "hello-chain-libs-2.0-1.el7.x86_64"],
            await RepoListingAsync());
    }

    [Fact]
    public async Task ASubmitOfAPackageTheTargetPublishesEndsFailedWithTheReasonAndWithReplaceTakesItsPlace()
    {
        await SrpmFactory.BuildAsync(SrpmFactory.NoarchSpec("hello-again"), _bench.Paths.Incoming);
        await _bench.StartWorkerAsync(_store);

        await _bench.PutAsync("hello-again-1.0-1.src.rpm", buildId: "build-1");
        var first = await EventsAsync(2);
        await _bench.Probe.WaitUntilAllDeletedAsync("x86_64", putCount: 1);
        await _bench.PutAsync("hello-again-1.0-1.src.rpm", buildId: "build-2");
        var again = await EventsAsync(2);
        await _bench.Probe.WaitUntilAllDeletedAsync("x86_64", putCount: 2);
        var listedAfterRefusal = await RepoListingAsync();
        await _bench.PutAsync("hello-again-1.0-1.src.rpm", buildId: "build-3", replace: true);
        var replacing = await EventsAsync(2);
        await _bench.Probe.WaitUntilAllDeletedAsync("x86_64", putCount: 3);

        var published = first[1].Timestamp;
        Assert.Equal([BuildStatus.Building, BuildStatus.Success], first.Select(e => e.Status));
        Assert.Equal([BuildStatus.Building, BuildStatus.Failed], again.Select(e => e.Status));
        Assert.Equal($"results could not be stored: hello-again-1.0-1.el7.noarch is already published in target {WorkerBench.Target} by build {published}; resubmit with --replace to replace it",
            again[1].Reason);
        Assert.Equal(["hello-again-1.0-1.el7.noarch"], listedAfterRefusal);
        Assert.Equal([BuildStatus.Building, BuildStatus.Success], replacing.Select(e => e.Status));
        Assert.Equal(["hello-again-1.0-1.el7.noarch"], await RepoListingAsync());
        Assert.False(Directory.Exists(Path.Combine(RepoDir, "hello-again", published)), "the replaced build is still in the repo");
        Assert.True(Directory.Exists(Path.Combine(_bench.Paths.Repo, "..", "attic", WorkerBench.Target, "hello-again", published, "1.0-1.x86_64")), "the replaced build is not in the attic");
        Assert.True(Directory.Exists(Path.Combine(RepoDir, "hello-again", replacing[1].Timestamp, "1.0-1.x86_64")));
    }
}
