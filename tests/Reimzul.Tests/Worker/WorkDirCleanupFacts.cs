using Microsoft.Extensions.Logging.Abstractions;
using Reimzul.Files;
using Reimzul.Messages;
using Reimzul.ResultStores;
using Reimzul.Tests.Support;

namespace Reimzul.Tests.Worker;

/// <summary>
/// Work dirs that a killed worker left under the shared results dir are removed by the next worker to start or to
/// take the killed worker's job again; the dirs of a worker still running are not touched.
/// </summary>
public sealed class WorkDirCleanupFacts : IAsyncLifetime, IDisposable
{
    private static readonly string[] KilledDirs = ["demo.x86_64/killed/20260101000000", ".srpms/7-20260101000000"];

    private readonly WorkerBench _bench = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _bench.DisposeAsync().AsTask();

    public void Dispose() => _bench.Dispose();

    private string Results => _bench.Paths.Results;

    private RecordingResultStore Store() => new(new LocalResultStore(_bench.Paths, NullLogger.Instance));

    /// <summary>
    /// A worker's lock file held, its list of dirs and the dirs, as a worker mid-build has them; disposing the lock is
    /// the worker being killed (the kernel drops its lock, the files stay).
    /// </summary>
    private FileLock LeaveAsKilledWorker(string id)
    {
        var workers = Path.Combine(Results, ".workers");
        Directory.CreateDirectory(workers);
        var held = FileLock.TryAcquire(Path.Combine(workers, id + ".lock"))!;
        File.WriteAllLines(Path.Combine(workers, id + ".dirs"), KilledDirs);
        foreach (var dir in KilledDirs)
        {
            Directory.CreateDirectory(Path.Combine(Results, dir));
            File.WriteAllText(Path.Combine(Results, dir, "build.log"), "half a build");
        }
        return held;
    }

    private bool KilledDirsRemain() => KilledDirs.Any(d => Directory.Exists(Path.Combine(Results, d)));

    /// <summary>Files under the results dir other than the lock files of running workers.</summary>
    private string[] LeftFiles() =>
        [.. Directory.EnumerateFiles(Results, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(Results, f))
            .Where(f => !(f.StartsWith(".workers/", StringComparison.Ordinal) && f.EndsWith(".lock", StringComparison.Ordinal)))];

    [Fact]
    public async Task AStartingWorkerRemovesTheDirsOfAKilledWorkerAndLeavesThoseOfAWorkerThatIsBuilding()
    {
        await SrpmFactory.BuildAsync(SrpmFactory.SleepingSpec("slow-live", 3), _bench.Paths.Incoming);
        await _bench.PutAsync("slow-live-1.0-1.src.rpm");
        await _bench.StartWorkerAsync(Store());
        Assert.Equal(BuildStatus.Building, (await _bench.NextEventAsync()).Status);
        var building = Path.Combine(Results, "demo.x86_64", "slow-live");
        await Eventually.WaitAsync(() => Directory.Exists(building) && Directory.EnumerateDirectories(building, "*", SearchOption.AllDirectories).Any(),
            TimeSpan.FromSeconds(20), () => "the building worker made no result dir");
        var liveDirs = Directory.GetDirectories(building, "*", SearchOption.AllDirectories);
        LeaveAsKilledWorker("killed").Dispose();

        await _bench.StartWorkerAsync(Store());
        // The cleanup removes the dirs, then the list and the lock file: wait for all of it.
        var killedLock = Path.Combine(Results, ".workers", "killed.lock");
        await Eventually.WaitAsync(() => !KilledDirsRemain() && !File.Exists(killedLock), TimeSpan.FromSeconds(20),
            () => "the killed worker's files remain: " + string.Join(", ", LeftFiles()) + (File.Exists(killedLock) ? ", .workers/killed.lock" : ""));

        Assert.All(liveDirs, d => Assert.True(Directory.Exists(d), $"{d} of the building worker was removed"));
        Assert.Equal(BuildStatus.Success, (await _bench.NextEventAsync()).Status);
        await _bench.Probe.WaitUntilAllDeletedAsync("x86_64", putCount: 1);
        Assert.Empty(LeftFiles());
    }

    [Fact]
    public async Task AJobTakenAgainHasTheDirsOfItsKilledEarlierAttemptRemoved()
    {
        await SrpmFactory.BuildAsync(SrpmFactory.NoarchSpec("hello-again"), _bench.Paths.Incoming);
        await _bench.PutAsync("hello-again-1.0-1.src.rpm");
        // The first attempt: a worker that reserves the job and dies after this worker has started.
        var first = await _bench.Queues.OpenConsumerAsync();
        Assert.NotNull(await first.ReserveAsync(["x86_64"], TimeSpan.FromSeconds(5), CancellationToken.None));
        var firstWorker = LeaveAsKilledWorker("first");
        await _bench.StartWorkerAsync(Store());
        // Its own lock file is there once it has looked for leftovers at start (while the first worker still ran).
        await Eventually.WaitAsync(() => Directory.GetFiles(Path.Combine(Results, ".workers"), "*.lock").Length == 2,
            TimeSpan.FromSeconds(20), () => "the worker did not start");

        firstWorker.Dispose();
        await first.DisposeAsync();
        Assert.Equal(BuildStatus.Building, (await _bench.NextEventAsync()).Status);
        Assert.Equal(BuildStatus.Success, (await _bench.NextEventAsync()).Status);
        await _bench.Probe.WaitUntilAllDeletedAsync("x86_64", putCount: 1);

        Assert.False(KilledDirsRemain(), "the earlier attempt's dirs remain: " + string.Join(", ", LeftFiles()));
        Assert.Empty(LeftFiles());
    }
}
