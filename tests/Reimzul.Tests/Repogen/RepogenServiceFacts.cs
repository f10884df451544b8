using Microsoft.Extensions.Logging.Abstractions;
using Reimzul.Config;
using Reimzul.Messages;
using Reimzul.Processes;
using Reimzul.Queue.Embedded;
using Reimzul.Repogen;
using Reimzul.Tests.Retry;
using Reimzul.Tests.Support;

namespace Reimzul.Tests.Repogen;

/// <summary>The repogen role on the real embedded queue, running the real createrepo_c on targets holding real RPMs.</summary>
[Collection(StoreCollection.Name)]
public sealed class RepogenServiceFacts(StoreRpms rpms) : IAsyncLifetime, IDisposable
{
    private const string Target = "c7.1708.u.x86_64";
    private static readonly TimeSpan GatherPoll = TimeSpan.FromMilliseconds(200);

    private readonly StoreLayout _layout = new();
    // The role's clock says when it starts waiting for more requests, so the test ends the gathering only then.
    private readonly SteppedClock _clock = new();
    private readonly RepogenOptions _options = new() { Workers = 2 };
    private EmbeddedJobQueueFactory _queues = null!;
    private QueueProbe _probe = null!;
    private RepoRegenerator _regenerator = null!;
    private RunningService? _running;

    public Task InitializeAsync()
    {
        _queues = new EmbeddedJobQueueFactory(_layout.Paths.QueueDatabase, new ManualTimeProvider());
        _probe = new QueueProbe(_queues);
        _regenerator = new RepoRegenerator(_layout.Paths, _options, ProcessRunner.Default, NullLogger.Instance);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        if (_running is not null)
        {
            await _running.DisposeAsync();
        }
        await _probe.DisposeAsync();
    }

    public void Dispose() => _layout.Dispose();

    private async Task StartAsync() =>
        _running = await RunningService.StartAsync(new RepogenService(_queues, _regenerator, _options, NullLogger<RepogenService>.Instance, _clock));

    private Task<long> RequestAsync(string target) =>
        _probe.PutAsync(Tubes.Createrepo, MessageJson.Serialize(new CreaterepoRequest { Target = target, BuildId = "build-1" }));

    private async Task<RepogenState> WaitUntilCoveredAsync(long requests)
    {
        RepogenState state = _regenerator.GetState(Target);
        await Eventually.WaitAsync(() => (state = _regenerator.GetState(Target)) is { Dirty: false } && state.Completed == requests,
            TimeSpan.FromSeconds(30), () => $"the {requests} request(s) were not covered by a run within 30 s: {state}");
        return state;
    }

    [Fact]
    public async Task ARequestWithNoBuildsQueuedRegeneratesTheTargetsRepodataAndIsDeleted()
    {
        var rpm = rpms.Packages[0];
        _layout.PlaceBuild(Target, rpm);
        await RequestAsync(Target);

        await StartAsync();
        var state = await WaitUntilCoveredAsync(1);
        await _probe.WaitUntilAllDeletedAsync(Tubes.Createrepo, putCount: 1);

        Assert.Equal(new RepogenState(Target, Requested: 1, Completed: 1, Runs: 1, Failures: 0), state);
        Assert.Equal([rpm.Nevra], await _layout.RepoqueryAsync(_layout.RepoDir(Target)));
    }

    [Theory]
    [InlineData("""{"target":"../../etc"}""", "target '../../etc'")]
    [InlineData("""{"target":"-v"}""", "target '-v' starts with '-'")]
    [InlineData("""{"build_id":"build-1"}""", "missing or empty field(s): target")]
    [InlineData("createrepo please", "body is not a valid JSON object")]
    public async Task ARequestThatNamesNoUsableTargetIsBuriedWithTheReasonAndNothingRuns(string body, string reason)
    {
        var id = await _probe.PutAsync(Tubes.Createrepo, body);

        await StartAsync();
        var buried = await _probe.WaitForBuriedAsync(Tubes.Createrepo);

        Assert.Equal((id, body), (buried.Id, buried.Body));
        Assert.Contains(reason, buried.Reason, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_layout.Paths.RepogenState), "a request was recorded");
        Assert.False(Directory.Exists(_layout.Paths.Repo), "createrepo_c ran");
    }

    [Fact]
    public async Task RequestsThatArriveWhileBuildsAreQueuedGatherIntoOneRunThatListsEveryBuild()
    {
        var builds = rpms.Packages.Take(5).ToList();
        // A build still waiting for a worker: more requests are coming.
        await _probe.PutAsync("x86_64", "{}");
        foreach (var rpm in builds)
        {
            _layout.PlaceBuild(Target, rpm);
            await RequestAsync(Target);
        }

        await StartAsync();
        await _probe.WaitUntilAllDeletedAsync(Tubes.Createrepo, putCount: builds.Count);
        Assert.Equal(new RepogenState(Target, Requested: builds.Count, Completed: 0, Runs: 0, Failures: 0), _regenerator.GetState(Target));

        // A worker takes the last queued build; the gathering ends at its next look at the queue.
        Assert.Single(await _probe.TakeReadyAsync("x86_64"));
        await _clock.WaitStartedAsync();
        _clock.Advance(GatherPoll);
        var state = await WaitUntilCoveredAsync(builds.Count);

        Assert.Equal(new RepogenState(Target, Requested: builds.Count, Completed: builds.Count, Runs: 1, Failures: 0), state);
        Assert.Equal(builds.Select(b => b.Nevra).Order(StringComparer.Ordinal), await _layout.RepoqueryAsync(_layout.RepoDir(Target)));
    }
}
