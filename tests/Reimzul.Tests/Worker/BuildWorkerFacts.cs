using Microsoft.Extensions.Logging.Abstractions;
using Reimzul.Build;
using Reimzul.Config;
using Reimzul.Messages;
using Reimzul.Processes;
using Reimzul.Queue.Embedded;
using Reimzul.ResultStores;
using Reimzul.Srpms;
using Reimzul.Tests.Support;
using Reimzul.Worker;

namespace Reimzul.Tests.Worker;

/// <summary>
/// One builder on the real embedded queue, building real SRPMs with the host's rpmbuild into a local store. The
/// queue's clock stands still, so a released job stays delayed where the test can see it.
/// </summary>
public sealed class BuildWorkerFacts : IAsyncLifetime, IDisposable
{
    private const string Target = "demo.x86_64";
    private const string Fqdn = "builder1.example.org";
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 15, 46, 2, TimeSpan.Zero);
    private const string Timestamp = "20261125154602";

    private readonly StoreLayout _layout = new();
    private readonly EmbeddedJobQueueFactory _queues;
    private readonly QueueProbe _probe;
    private readonly RecordingResultStore _store;
    private RunningService? _running;

    public BuildWorkerFacts()
    {
        _queues = new EmbeddedJobQueueFactory(_layout.Paths.QueueDatabase, new ManualTimeProvider());
        _probe = new QueueProbe(_queues);
        _store = new RecordingResultStore(new LocalResultStore(_layout.Paths, NullLogger.Instance));
    }

    private ReimzulPaths Paths => _layout.Paths;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_running is not null)
        {
            await _running.DisposeAsync();
        }
        await _probe.DisposeAsync();
    }

    public void Dispose() => _layout.Dispose();

    private async Task StartWorkerAsync(ISrpmSource? source = null)
    {
        var options = new BuilderOptions { Arch = "x86_64", Fqdn = Fqdn, BuildTimeout = TimeSpan.FromMinutes(2), MinFreeBytes = 1 << 20 };
        var worker = new BuildWorker(_queues, options, Paths.Results,
            new RpmbuildBackend("rpmbuild", ProcessRunner.Default, NullLogger.Instance),
            source ?? new LocalSrpmSource(Paths.Incoming), _store, NullLogger<BuildWorker>.Instance,
            // Its local time makes the build's timestamp.
            new FixedTimeProvider(Now));
        _running = await RunningService.StartAsync(worker);
    }

    private static BuildJob Job(string srpm, string arch = "x86_64", string? buildId = "build-1") => new()
    {
        Srpm = srpm,
        Arch = arch,
        Target = Target,
        Disttag = ".el7",
        Scratch = false,
        Submitter = "alice",
        BuildId = buildId,
    };

    private Task<long> PutAsync(BuildJob job) => _probe.PutAsync(Arches.BuildTube(job.Arch), MessageJson.Serialize(job));

    private async Task<BuildEvent> NextEventAsync()
    {
        var body = await _probe.TakeAsync(Tubes.Notify);
        Assert.True(MessageJson.TryParseBuildEvent(body, out var ev, out var error), error);
        return ev;
    }

    private async Task<CreaterepoRequest> NextCreaterepoRequestAsync()
    {
        var body = await _probe.TakeAsync(Tubes.Createrepo);
        Assert.True(MessageJson.TryParseCreaterepoRequest(body, out var request, out var error), error);
        return request;
    }

    private static BuildEvent Announced(BuildJob job, string status, string pkgName, string evr) =>
        BuildEvent.From(job) with { Status = status, BuilderFqdn = Fqdn, PkgName = pkgName, Evr = evr, Timestamp = Timestamp };

    private string ResultDir(string pkgName, string evrArch) => Path.Combine(Paths.Repo, Target, pkgName, Timestamp, evrArch);

    private static string[] FilesIn(string dir) => Directory.GetFiles(dir).Select(f => Path.GetFileName(f)!).Order(StringComparer.Ordinal).ToArray();

    [Fact]
    public async Task AGoodJobIsAnnouncedBuildingThenSuccessStoredInTheRepoLayoutRequestsRepodataAndIsDeleted()
    {
        await SrpmFactory.BuildAsync(SrpmFactory.NoarchSpec("hello-noarch"), Paths.Incoming);
        var job = Job("hello-noarch-1.0-1.src.rpm");
        await PutAsync(job);

        await StartWorkerAsync();
        var building = await NextEventAsync();
        var success = await NextEventAsync();
        var createrepo = await NextCreaterepoRequestAsync();
        await _probe.WaitUntilAllDeletedAsync("x86_64", putCount: 1);

        Assert.Equal(Announced(job, BuildStatus.Building, "hello-noarch", "1.0-1"), building);
        Assert.Equal(Announced(job, BuildStatus.Success, "hello-noarch", "1.0-1"), success with { DurationSeconds = null });
        Assert.True(success.DurationSeconds > 0, $"duration {success.DurationSeconds}");
        Assert.Equal(new CreaterepoRequest { Target = Target, BuildId = "build-1" }, createrepo);
        Assert.Equal(["build.log", "hello-noarch-1.0-1.el7.noarch.rpm", "reimzul-result.json", "root.log", "stderr", "stdout"], FilesIn(ResultDir("hello-noarch", "1.0-1.x86_64")));
        Assert.Equal([new StoredResult(Path.Combine(Paths.Results, Target, "hello-noarch", Timestamp, "1.0-1.x86_64"), Target, "hello-noarch", Timestamp, "1.0-1", "x86_64")], _store.Attempts);
        Assert.False(Directory.Exists(Path.Combine(Paths.Results, Target, "hello-noarch", Timestamp)), "the work dir is left behind");
        Assert.Empty(await _probe.TakeReadyAsync(Tubes.Notify));
    }

    [Fact]
    public async Task AJobWithoutABuildIdGetsOneThatAllItsEventsAndItsRepodataRequestCarry()
    {
        await SrpmFactory.BuildAsync(SrpmFactory.NoarchSpec("hello-noid"), Paths.Incoming);
        await PutAsync(Job("hello-noid-1.0-1.src.rpm", buildId: null));

        await StartWorkerAsync();
        var building = await NextEventAsync();
        var success = await NextEventAsync();
        var createrepo = await NextCreaterepoRequestAsync();

        Assert.Equal((BuildStatus.Building, BuildStatus.Success), (building.Status, success.Status));
        Assert.Matches("^[0-9a-f]{32}$", building.BuildId);
        Assert.Equal(building.BuildId, success.BuildId);
        Assert.Equal(building.BuildId, createrepo.BuildId);
    }

    [Theory]
    [InlineData("this is not JSON", "body is not a valid JSON object")]
    [InlineData("""{"srpm":"hello-1.0-1.src.rpm","arch":"x86_64"}""", "missing or empty field(s): target, disttag")]
    [InlineData("""{"srpm":"x;rm -rf ~.src.rpm","arch":"x86_64","target":"demo.x86_64","disttag":".el7"}""", "SRPM file name 'x;rm -rf ~.src.rpm' contains ';'")]
    [InlineData("""{"srpm":"hello-1.0-1.src.rpm","arch":"x86_64","target":"../../etc","disttag":".el7"}""", "target '../../etc'")]
    [InlineData("""{"srpm":"hello-1.0-1.src.rpm","arch":"sparc","target":"demo.sparc","disttag":".el7"}""", "unknown arch 'sparc'")]
    public async Task AJobThatCannotBeBuiltAsItStandsIsBuriedWithTheReasonAndNothingIsAnnounced(string body, string reason)
    {
        var id = await _probe.PutAsync("x86_64", body);

        await StartWorkerAsync();
        var buried = await _probe.WaitForBuriedAsync("x86_64");

        Assert.Equal((id, body), (buried.Id, buried.Body));
        Assert.Contains(reason, buried.Reason, StringComparison.Ordinal);
        Assert.Equal(0, (await _probe.StatsAsync(Tubes.Notify)).TotalJobs);
        Assert.Empty(_store.Attempts);
    }

    [Fact]
    public async Task AnSrpmTheSourceDoesNotHaveIsAnnouncedFailedWithTheReasonAndTheJobIsDeleted()
    {
        var job = Job("absent-1.0-1.src.rpm");
        await PutAsync(job);

        await StartWorkerAsync();
        var failed = await NextEventAsync();
        await _probe.WaitUntilAllDeletedAsync("x86_64", putCount: 1);

        Assert.Equal(Announced(job, BuildStatus.Failed, "absent-1.0-1", "") with { Reason = failed.Reason }, failed);
        Assert.Contains("SRPM absent-1.0-1.src.rpm not found", failed.Reason, StringComparison.Ordinal);
        Assert.Equal(0, (await _probe.StatsAsync(Tubes.Createrepo)).TotalJobs);
        Assert.Empty(await _probe.TakeReadyAsync(Tubes.Notify));
    }

    [Fact]
    public async Task AnSrpmSourceThatCannotBeReachedHasTheJobReleasedForLaterWithNothingAnnounced()
    {
        var source = new RecordingSrpmSource(new LocalSrpmSource(Paths.Incoming))
        {
            FailWith = new HttpRequestException("controller.example.org: connection refused"),
        };
        await PutAsync(Job("hello-1.0-1.src.rpm"));

        await StartWorkerAsync(source);
        await _probe.WaitForStatsAsync("x86_64", s => s.Delayed == 1, "the job was released with a delay");

        Assert.Equal(["hello-1.0-1.src.rpm"], source.Requests);
        Assert.Equal(0, (await _probe.StatsAsync(Tubes.Notify)).TotalJobs);
    }

    [Fact]
    public async Task AResultStoreThatFailsWithAnIoErrorHasTheJobReleasedNotDeletedAndNoSuccessAnnounced()
    {
        await SrpmFactory.BuildAsync(SrpmFactory.NoarchSpec("hello-unstored"), Paths.Incoming);
        _store.FailWith = new IOException("bstore.example.org: connection reset by peer");
        var job = Job("hello-unstored-1.0-1.src.rpm");
        await PutAsync(job);

        await StartWorkerAsync();
        var building = await NextEventAsync();
        await _probe.WaitForStatsAsync("x86_64", s => s.Delayed == 1, "the job was released with a delay");
        await _running!.StopAsync();

        Assert.Equal(BuildStatus.Building, building.Status);
        Assert.Single(_store.Attempts);
        Assert.Empty(await _probe.TakeReadyAsync(Tubes.Notify));
        Assert.Equal(0, (await _probe.StatsAsync(Tubes.Createrepo)).TotalJobs);
        Assert.False(Directory.Exists(ResultDir("hello-unstored", "1.0-1.x86_64")), "a result reached the repo");
    }

    [Fact]
    public async Task AnX8664JobOfAnArchSpecificSrpmIsFollowedByAnI386BuildWithTheSameTimestampIntoTheSameRepo()
    {
        await SrpmFactory.BuildAsync(SrpmFactory.CProgramSpec("hello-c"), Paths.Incoming);
        var job = Job("hello-c-2.0-1.src.rpm");
        await PutAsync(job);

        await StartWorkerAsync();
        var events = new List<BuildEvent>();
        for (var i = 0; i < 4; i++)
        {
            events.Add(await NextEventAsync());
        }
        var requests = new[] { await NextCreaterepoRequestAsync(), await NextCreaterepoRequestAsync() };
        await _probe.WaitUntilAllDeletedAsync("x86_64", putCount: 1);

        Assert.Equal(
        [
            Announced(job, BuildStatus.Building, "hello-c", "2.0-1"),
            Announced(job, BuildStatus.Success, "hello-c", "2.0-1"),
            Announced(job, BuildStatus.Building, "hello-c", "2.0-1") with { Arch = "i386" },
            Announced(job, BuildStatus.Success, "hello-c", "2.0-1") with { Arch = "i386" },
        ], events.Select(e => e with { DurationSeconds = null }));
        Assert.All(requests, r => Assert.Equal(new CreaterepoRequest { Target = Target, BuildId = "build-1" }, r));
        Assert.Equal(["build.log", "hello-c-2.0-1.el7.x86_64.rpm", "hello-c-libs-2.0-1.el7.x86_64.rpm", "reimzul-result.json", "root.log", "stderr", "stdout"],
            FilesIn(ResultDir("hello-c", "2.0-1.x86_64")));
        Assert.Equal(["build.log", "hello-c-2.0-1.el7.i686.rpm", "hello-c-libs-2.0-1.el7.i686.rpm", "reimzul-result.json", "root.log", "stderr", "stdout"],
            FilesIn(ResultDir("hello-c", "2.0-1.i386")));
    }
}
