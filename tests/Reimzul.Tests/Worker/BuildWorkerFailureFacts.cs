using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Reimzul.Build;
using Reimzul.Config;
using Reimzul.Messages;
using Reimzul.Processes;
using Reimzul.Queue;
using Reimzul.Protocol;
using Reimzul.Queue.Embedded;
using Reimzul.ResultStores;
using Reimzul.Retry;
using Reimzul.Srpms;
using Reimzul.Tests.Support;
using Reimzul.Tests.Web;
using Reimzul.Worker;

namespace Reimzul.Tests.Worker;

/// <summary>
/// One builder on the real embedded queue with the host's rpmbuild, whose result store refuses or fails: a refusal
/// that would meet every retry ends the build at once, a fault that may pass has the job built again later.
/// </summary>
public sealed class BuildWorkerFailureFacts : IAsyncLifetime, IDisposable
{
    private readonly WorkerBench _bench = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _bench.DisposeAsync().AsTask();

    public void Dispose() => _bench.Dispose();

    [Fact]
    public async Task APackageNamedRepodataIsAnnouncedFailedAsReservedAndItsJobIsDeletedAtOnce()
    {
        var store = new RecordingResultStore(new LocalResultStore(_bench.Paths, NullLogger.Instance));
        await SrpmFactory.BuildAsync(SrpmFactory.NoarchSpec("repodata"), _bench.Paths.Incoming);
        await _bench.PutAsync("repodata-1.0-1.src.rpm");

        await _bench.StartWorkerAsync(store);
        var failed = await _bench.NextEventAsync();
        await _bench.Probe.WaitUntilAllDeletedAsync("x86_64", putCount: 1);

        // Refused when the build asks the store for its timestamp: before anything is built.
        Assert.Equal(BuildStatus.Failed, failed.Status);
        Assert.Equal(("repodata", "1.0-1"), (failed.PkgName, failed.Evr));
        Assert.Equal("results could not be stored: pkgname 'repodata' is reserved for the repo's metadata", failed.Reason);
        Assert.Single(store.Reservations);
        Assert.Empty(store.Attempts);
        Assert.Equal(0, (await _bench.Probe.StatsAsync(Tubes.Createrepo)).TotalJobs);
        Assert.Empty(await _bench.Probe.TakeReadyAsync(Tubes.Notify));
        Assert.False(Directory.Exists(Path.Combine(_bench.Paths.Repo, WorkerBench.Target, "repodata", "repodata")), "a result reached the repo");
    }

    public static TheoryData<string> PermanentErrors => ["invalid data", "argument", "401", "403", "409", "413", "422"];

    public static TheoryData<string> TransientErrors => ["io", "http", "timeout", "500", "503", "408", "429"];

    private static Exception Error(string kind) => kind switch
    {
        "invalid data" => new InvalidDataException("result dir holds a symlink (evil.rpm)"),
        "argument" => new ArgumentException("pkgname 'repodata' is reserved for the repo's metadata"),
        "io" => new IOException("bstore.example.org: connection reset by peer"),
        "http" => new HttpRequestException("bstore.example.org: connection refused"),
        "timeout" => new TimeoutException("bstore.example.org did not answer in 100 s"),
        _ => new RemoteServiceException((HttpStatusCode)int.Parse(kind, System.Globalization.CultureInfo.InvariantCulture), $"PUT https://bstore.example.org/ refused ({kind}): no"),
    };

    [Theory]
    [MemberData(nameof(PermanentErrors))]
    public async Task AStoreThatRefusesTheResultForGoodEndsTheBuildFailedWithTheReasonAndDeletesTheJob(string kind)
    {
        var store = new RecordingResultStore(new LocalResultStore(_bench.Paths, NullLogger.Instance)) { FailWith = Error(kind) };
        await SrpmFactory.BuildAsync(SrpmFactory.NoarchSpec("hello-refused"), _bench.Paths.Incoming);
        await _bench.PutAsync("hello-refused-1.0-1.src.rpm");

        await _bench.StartWorkerAsync(store);
        var building = await _bench.NextEventAsync();
        var failed = await _bench.NextEventAsync();
        await _bench.Probe.WaitUntilAllDeletedAsync("x86_64", putCount: 1);

        Assert.Equal((BuildStatus.Building, BuildStatus.Failed), (building.Status, failed.Status));
        Assert.Equal("results could not be stored: " + store.FailWith!.Message, failed.Reason);
        Assert.Single(store.Attempts);
        Assert.Equal(0, (await _bench.Probe.StatsAsync(Tubes.Createrepo)).TotalJobs);
        Assert.Empty(await _bench.Probe.TakeReadyAsync(Tubes.Notify));
    }

    [Theory]
    [MemberData(nameof(TransientErrors))]
    public async Task AStoreErrorThatMayPassHasTheJobReleasedWithADelayAndNoResultAnnounced(string kind)
    {
        var store = new RecordingResultStore(new LocalResultStore(_bench.Paths, NullLogger.Instance)) { FailWith = Error(kind) };
        await SrpmFactory.BuildAsync(SrpmFactory.NoarchSpec("hello-later"), _bench.Paths.Incoming);
        await _bench.PutAsync("hello-later-1.0-1.src.rpm");

        await _bench.StartWorkerAsync(store);
        var building = await _bench.NextEventAsync();
        await _bench.Probe.WaitForStatsAsync("x86_64", s => s.Delayed == 1, "the job was released with a delay");
        await _bench.StopAsync();

        Assert.Equal(BuildStatus.Building, building.Status);
        Assert.Single(store.Attempts);
        Assert.Empty(await _bench.Probe.TakeReadyAsync(Tubes.Notify));
    }
}

/// <summary>A worker whose results go to a real bstore that does not accept its client certificate.</summary>
[Collection(WebCollection.Name)]
public sealed class BuildWorkerRefusedByBstoreFacts(WebFixture fixture) : IAsyncLifetime, IDisposable
{
    private readonly WorkerBench _bench = new();
    private readonly WebSite _site = new(fixture.Certificates);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _bench.DisposeAsync();
        await _site.DisposeAsync();
    }

    public void Dispose() => _bench.Dispose();

    [Fact]
    public async Task ABstoreThatForbidsTheWorkerEndsTheBuildFailedWithBstoresReasonInsteadOfBuildingAgain()
    {
        var url = await _site.StartBstoreAsync(WebAuth.Certificates);
        var certificate = fixture.Certificates.Client("intruder", fromOtherCa: true);
        using var http = new HttpClient(RemoteHttp.CreateHandler(new TlsOptions { CaCert = fixture.Certificates.CaCertPath, ClientCert = certificate.CertPath, ClientKey = certificate.KeyPath }))
        {
            BaseAddress = url,
        };
        var retry = new RetryPolicy(TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(200)) { GiveUpWithoutProgress = TimeSpan.FromSeconds(10) };
        var store = new RecordingResultStore(new HttpResultStore(new BstoreClient(http), retry, NullLogger.Instance));
        File.Copy(fixture.Srpm, Path.Combine(_bench.Paths.Incoming, Path.GetFileName(fixture.Srpm)));
        await _bench.PutAsync(Path.GetFileName(fixture.Srpm));

        await _bench.StartWorkerAsync(store);
        var failed = await _bench.NextEventAsync();
        await _bench.Probe.WaitUntilAllDeletedAsync("x86_64", putCount: 1);

        // Refused when the build asks bstore for its timestamp: before anything is built.
        Assert.Equal(BuildStatus.Failed, failed.Status);
        Assert.Contains("(403)", failed.Reason, StringComparison.Ordinal);
        Assert.Contains("CN=intruder", failed.Reason, StringComparison.Ordinal);
        Assert.Single(store.Reservations);
        Assert.Empty(store.Attempts);
        Assert.Empty(await _bench.Probe.TakeReadyAsync(Tubes.Notify));
        Assert.False(Directory.Exists(Path.Combine(_site.Paths.Repo, WorkerBench.Target)), "a result reached the repo");
    }
}

/// <summary>A data dir, the embedded queue on a clock that stands still, and one rpmbuild worker started on demand.</summary>
internal sealed class WorkerBench : IAsyncDisposable, IDisposable
{
    public const string Target = "demo.x86_64";

    private readonly StoreLayout _layout = new();
    private readonly EmbeddedJobQueueFactory _queues;
    private readonly List<RunningService> _running = [];

    public WorkerBench()
    {
        _queues = new EmbeddedJobQueueFactory(_layout.Paths.QueueDatabase, QueueClock);
        Probe = new QueueProbe(_queues);
        Directory.CreateDirectory(Paths.Incoming);
    }

    public ReimzulPaths Paths => _layout.Paths;

    public QueueProbe Probe { get; }

    public EmbeddedJobQueueFactory Queues => _queues;

    /// <summary>The queue's clock: it stands still, so a released job stays delayed until a test advances it.</summary>
    public ManualTimeProvider QueueClock { get; } = new();

    /// <summary>The host's rpmbuild, as every worker of the bench builds unless told otherwise.</summary>
    public static IBuildBackend Rpmbuild() => new RpmbuildBackend("rpmbuild", ProcessRunner.Default, NullLogger.Instance);

    /// <summary>A worker that stops when the test stops it; several may run at once, as on one host.</summary>
    public async Task<RunningService> StartWorkerAsync(IResultStore store, TimeProvider? time = null, IBuildBackend? backend = null, IJobQueueFactory? queues = null, RetryPolicy? announceRetry = null)
    {
        var options = new BuilderOptions { Arch = "x86_64", Fqdn = "builder1.example.org", BuildTimeout = TimeSpan.FromMinutes(2), MinFreeBytes = 1 << 20 };
        var worker = new BuildWorker(queues ?? _queues, options, Paths.Results, backend ?? Rpmbuild(),
            new LocalSrpmSource(Paths.Incoming), store, NullLogger<BuildWorker>.Instance, time ?? TimeProvider.System, announceRetry);
        var running = await RunningService.StartAsync(worker);
        _running.Add(running);
        return running;
    }

    public Task<long> PutAsync(string srpm, string? buildId = "build-1", bool replace = false) => Probe.PutAsync("x86_64", MessageJson.Serialize(new BuildJob
    {
        Srpm = srpm,
        Arch = "x86_64",
        Target = Target,
        Disttag = ".el7",
        Scratch = false,
        Submitter = "alice",
        BuildId = buildId,
        Replace = replace ? true : null,
    }));

    public async Task<BuildEvent> NextEventAsync()
    {
        var body = await Probe.TakeAsync(Tubes.Notify);
        Assert.True(MessageJson.TryParseBuildEvent(body, out var ev, out var error), error);
        return ev;
    }

    public async Task StopAsync()
    {
        foreach (var running in _running)
        {
            await running.StopAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await Probe.DisposeAsync();
    }

    public void Dispose() => _layout.Dispose();
}
