using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Reimzul.Build;
using Reimzul.Cancels;
using Reimzul.Config;
using Reimzul.Messages;
using Reimzul.Processes;
using Reimzul.Queue;
using Reimzul.Queue.Beanstalk;
using Reimzul.Queue.Embedded;
using Reimzul.ResultStores;
using Reimzul.Srpms;
using Reimzul.Tests.Build;
using Reimzul.Tests.Support;
using Reimzul.Worker;

namespace Reimzul.Tests.Worker;

/// <summary>
/// Cancel, as a worker sees it, on a real queue with the host's rpmbuild: a running build is killed with its process
/// tree within 10 s, announced Canceled with the chained arch it did not start, leaves no work dir and stores nothing;
/// a job canceled while queued is dropped without building. Its logs meanwhile reach the live log dir.
/// </summary>
public abstract class BuildWorkerCancelContract : IAsyncLifetime, IDisposable
{
    private const string Target = "c7.x86_64";
    private static readonly TimeSpan CancelBound = TimeSpan.FromSeconds(10);

    private readonly StoreLayout _layout = new();
    private QueueProbe _probe = null!;
    private RunningService? _running;
    private CancelRecords _cancels = null!;
    private LiveLogFiles _live = null!;

    private readonly ListLogger _log = new();

    private IJobQueueFactory Queues { get; set; } = null!;

    /// <summary>The queue the worker and the test share, empty, on the test's data dir.</summary>
    protected abstract Task<IJobQueueFactory> CreateQueuesAsync(ReimzulPaths paths);

    protected virtual Task DisposeQueuesAsync() => Task.CompletedTask;

    private ReimzulPaths Paths => _layout.Paths;

    public async Task InitializeAsync()
    {
        Queues = await CreateQueuesAsync(Paths);
        _probe = new QueueProbe(Queues);
        _cancels = CancelRecords.Under(Paths.DataDir);
        _live = LiveLogFiles.NextTo(Paths.Repo);
    }

    public async Task DisposeAsync()
    {
        if (_running is not null)
        {
            await _running.DisposeAsync();
        }
        await _probe.DisposeAsync();
        await DisposeQueuesAsync();
    }

    public void Dispose()
    {
        _layout.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Not noarch, so an x86_64 job chains an i386 build; says a line, then sleeps in %build.</summary>
    private static string SleepingArchSpec(string name, int seconds) => $$"""
        Name: {{name}}
        Version: 1.0
        Release: 1%{?dist}
        Summary: Takes its time on every arch
        License: MIT

        %description
        Slow.

        %build
        echo "live line of {{name}}"
        sleep {{seconds}}

        %install
        mkdir -p %{buildroot}/usr/share/{{name}}
        echo slow > %{buildroot}/usr/share/{{name}}/slow.txt

        %files
        /usr/share/{{name}}/slow.txt
        """;

    private async Task StartWorkerAsync()
    {
        var options = new BuilderOptions { Arch = "x86_64", Fqdn = "b1", BuildTimeout = TimeSpan.FromMinutes(5), MinFreeBytes = 1 << 20, JobTtr = TimeSpan.FromSeconds(30) };
        var worker = new BuildWorker(Queues, options, Paths.Results,
            new RpmbuildBackend("rpmbuild", ProcessRunner.Default, NullLogger.Instance),
            new LocalSrpmSource(Paths.Incoming), new LocalResultStore(Paths, NullLogger.Instance), new Microsoft.Extensions.Logging.Logger<BuildWorker>(new OneLoggerFactory(_log)),
            TimeProvider.System,
            cancelChecks: new LocalCancelChecks(_cancels) { Interval = TimeSpan.FromMilliseconds(200) },
            liveLogs: new LocalLiveLogs(_live));
        _running = await RunningService.StartAsync(worker);
    }

    private async Task<BuildJob> PutAsync(string srpm)
    {
        var job = BuildJob.Submitted(srpm, "x86_64", "c7", ".el7", scratch: false, submitter: "alice");
        await _probe.PutAsync("x86_64", MessageJson.Serialize(job));
        return job;
    }

    private async Task<BuildEvent> NextEventAsync()
    {
        var body = await _probe.TakeAsync(Tubes.Notify);
        Assert.True(MessageJson.TryParseBuildEvent(body, out var ev, out var error), error);
        return ev;
    }

    private string WorkerLog() => string.Join("\n", _log.Lines.Select(l => $"{l.Level}: {l.Message}"));

    private void Cancel(string buildId) =>
        _cancels.Write(new CancelRequest { BuildId = buildId, RequestedBy = "alice", RequestedAt = DateTimeOffset.UtcNow });

    [Fact]
    public async Task ARunningBuildIsKilledWithinTenSecondsAnnouncedCanceledWithItsChainedArchAndLeavesNothingBehind()
    {
        await SrpmFactory.BuildAsync(SleepingArchSpec("slow-cancel", 317), Paths.Incoming);
        var job = await PutAsync("slow-cancel-1.0-1.src.rpm");
        await StartWorkerAsync();

        var building = await NextEventAsync();
        Assert.Equal((BuildStatus.Building, "x86_64"), (building.Status, building.Arch));
        // The line the build wrote before sleeping is in the live build.log while it runs.
        LiveLogSlice? live = null;
        await Eventually.WaitAsync(async () =>
            (live = await _live.ReadAsync(job.BuildId!, "x86_64", "build.log", 0, 1 << 20, CancellationToken.None)) is { } slice
            && Encoding.UTF8.GetString(slice.Bytes.Span).Contains("live line of slow-cancel", StringComparison.Ordinal),
            TimeSpan.FromSeconds(30), () => $"the live build.log holds: {(live is null ? "(none)" : Encoding.UTF8.GetString(live.Bytes.Span))}; worker log:\n{WorkerLog()}\nfiles: {string.Join(", ", Directory.EnumerateFiles(Paths.DataDir, "*", SearchOption.AllDirectories).Select(f => $"{f} {new FileInfo(f).Length}"))}");
        Assert.False(live!.Complete);
        Assert.NotEmpty(LeftoverProcesses.Find(Paths.DataDir));

        var clock = Stopwatch.StartNew();
        Cancel(job.BuildId!);
        var canceled = await NextEventAsync();
        var elapsed = clock.Elapsed;
        var chained = await NextEventAsync();

        Assert.True(elapsed < CancelBound, $"the build stopped {elapsed.TotalSeconds:0.0} s after the cancel");
        Assert.Equal((BuildStatus.Canceled, "x86_64", "canceled by alice", building.Timestamp), (canceled.Status, canceled.Arch, canceled.Reason, canceled.Timestamp));
        Assert.Equal((BuildStatus.Canceled, "i386", building.Timestamp), (chained.Status, chained.Arch, chained.Timestamp));
        await _probe.WaitUntilAllDeletedAsync("x86_64", putCount: 1);
        Assert.Empty(await LeftoverProcesses.WaitUntilNoneAsync(Paths.DataDir, TimeSpan.FromSeconds(5)));
        Assert.False(Directory.Exists(Path.Combine(Paths.Results, Target, "slow-cancel", building.Timestamp)), "the work dir is left behind");
        Assert.False(Directory.Exists(Path.Combine(Paths.Repo, Target, "slow-cancel", building.Timestamp, "1.0-1.x86_64")), "a canceled build was stored");
        Assert.Empty(await _probe.TakeReadyAsync(Tubes.Notify));
        Assert.Empty(await _probe.TakeReadyAsync(Tubes.Createrepo));
        // Followers of the live log learn that it ended.
        Assert.True((await _live.ReadAsync(job.BuildId!, "x86_64", "build.log", 0, 1 << 20, CancellationToken.None))!.Complete);
    }

    [Fact]
    public async Task AJobCanceledWhileQueuedIsDroppedWithoutBuilding()
    {
        await SrpmFactory.BuildAsync(SleepingArchSpec("queued-cancel", 1), Paths.Incoming);
        var job = await PutAsync("queued-cancel-1.0-1.src.rpm");
        Cancel(job.BuildId!);
        await StartWorkerAsync();

        var canceled = await NextEventAsync();
        Assert.Equal((BuildStatus.Canceled, "x86_64", "canceled by alice", job.BuildId), (canceled.Status, canceled.Arch, canceled.Reason, canceled.BuildId));
        await _probe.WaitUntilAllDeletedAsync("x86_64", putCount: 1);
        Assert.Empty(await _probe.TakeReadyAsync(Tubes.Notify));
        Assert.False(Directory.Exists(Path.Combine(Paths.Repo, Target, "queued-cancel")));
    }

    [Fact]
    public async Task ABuildThatWasNotCanceledRunsToItsEndWithItsWholeLogLive()
    {
        await SrpmFactory.BuildAsync(SleepingArchSpec("not-canceled", 0), Paths.Incoming);
        var job = await PutAsync("not-canceled-1.0-1.src.rpm");
        Cancel(BuildIds.New());
        await StartWorkerAsync();

        var statuses = new List<(string, string)>();
        for (var i = 0; i < 4; i++)
        {
            var ev = await NextEventAsync();
            statuses.Add((ev.Status, ev.Arch));
        }
        Assert.Equal([("Building", "x86_64"), ("Success", "x86_64"), ("Building", "i386"), ("Success", "i386")], statuses);
        var stored = Directory.GetDirectories(Path.Combine(Paths.Repo, Target, "not-canceled")).Single();
        var final = await File.ReadAllBytesAsync(Path.Combine(stored, "1.0-1.x86_64", "build.log"));
        var slice = (await _live.ReadAsync(job.BuildId!, "x86_64", "build.log", 0, 1 << 20, CancellationToken.None))!;
        // The live copy ends as the stored log: what a follower read is a prefix of what is kept.
        Assert.Equal(Encoding.UTF8.GetString(final), Encoding.UTF8.GetString(slice.Bytes.Span));
        Assert.True(slice.Complete);
    }
}

/// <summary>The cancel contract on the embedded queue.</summary>
public sealed class EmbeddedBuildWorkerCancelFacts : BuildWorkerCancelContract
{
    protected override Task<IJobQueueFactory> CreateQueuesAsync(ReimzulPaths paths) => Task.FromResult<IJobQueueFactory>(new EmbeddedJobQueueFactory(paths.QueueDatabase));
}

/// <summary>The cancel contract on a real beanstalkd.</summary>
public sealed class BeanstalkdBuildWorkerCancelFacts : BuildWorkerCancelContract
{
    // One server per test: a test's jobs must not meet the next test's worker.
    private readonly BeanstalkdServer _server = new();

    protected override async Task<IJobQueueFactory> CreateQueuesAsync(ReimzulPaths paths)
    {
        await _server.InitializeAsync();
        return new BeanstalkdJobQueueFactory(_server.Options);
    }

    protected override async Task DisposeQueuesAsync()
    {
        await _server.DisposeAsync();
    }
}
