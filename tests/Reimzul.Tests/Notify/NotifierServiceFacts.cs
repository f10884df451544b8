using Microsoft.Extensions.Logging.Abstractions;
using Reimzul.History;
using Reimzul.Messages;
using Reimzul.Notify;
using Reimzul.Queue.Embedded;
using Reimzul.Tests.History;
using Reimzul.Tests.Support;
using static Reimzul.Tests.History.BuildEvents;

namespace Reimzul.Tests.Notify;

/// <summary>The notifier role on the real embedded queue, writing the real log file and the real SQLite history.</summary>
public sealed class NotifierServiceFacts : IAsyncLifetime, IDisposable
{
    private const string Target = "c7.1708.u.x86_64";

    private readonly TempDir _dir = new("reimzul-notifier");
    private readonly ManualTimeProvider _clock = new();
    private readonly EmbeddedJobQueueFactory _queues;
    private readonly QueueProbe _probe;
    private SqliteHistoryStore _history = null!;
    private RunningService? _running;

    public NotifierServiceFacts()
    {
        _queues = new EmbeddedJobQueueFactory(_dir.Combine("queue.db"), _clock);
        _probe = new QueueProbe(_queues);
    }

    private string LogPath => _dir.Combine("log", "reimzul.log");

    private string HistoryPath => _dir.Combine("history.db");

    public async Task InitializeAsync() => _history = await SqliteHistoryStore.OpenAsync(HistoryPath);

    public async Task DisposeAsync()
    {
        if (_running is not null)
        {
            await _running.DisposeAsync();
        }
        await _probe.DisposeAsync();
        await _history.DisposeAsync();
    }

    public void Dispose() => _dir.Dispose();

    private async Task StartAsync()
    {
        var log = new LogFileSink(LogPath, new FixedTimeProvider(new DateTimeOffset(2026, 11, 25, 15, 46, 2, TimeSpan.Zero)));
        var processor = new NotificationProcessor(_history, [log], NullLogger.Instance);
        _running = await RunningService.StartAsync(new NotifierService(_queues, processor, NullLogger<NotifierService>.Instance, _clock));
    }

    private string[] LogLines() => File.Exists(LogPath) ? File.ReadAllLines(LogPath) : [];

    [Fact]
    public async Task ANonScratchSuccessIsLoggedRecordedAndStagedForSigningAndItsJobIsDeleted()
    {
        await _probe.PutAsync(Tubes.Notify, MessageJson.Serialize(Event(BuildStatus.Success)));

        await StartAsync();
        await _probe.WaitUntilAllDeletedAsync(Tubes.Notify, putCount: 1);

        Assert.Equal(
            "[Wed Nov 25 15:46:02 2026] Build job SRPM hello-1.0-1.el7.src.rpm (20261125164602) for arch x86_64 " +
            "builder builder1.example.org status Success [1.0-1.el7] (Scratch job: False) submitted by alice",
            Assert.Single(LogLines()));
        Assert.Equal(new HistoryRows.Row("hello-1.0-1.el7.src.rpm", "x86_64", "20261125164602", BuildStatus.Success, LatestBuild: true, Comment: null),
            Assert.Single(HistoryRows.All(HistoryPath)));
        var tosign = Assert.Single(await _probe.TakeReadyAsync(Tubes.Tosign));
        Assert.True(MessageJson.TryParseTosignRequest(tosign, out var request, out var error), error);
        Assert.Equal(new TosignRequest
        {
            PkgName = "hello",
            Status = BuildStatus.Success,
            Target = Target,
            Arch = "x86_64",
            Timestamp = "20261125164602",
            Evr = "1.0-1.el7",
            BuildId = "build-1",
        }, request);
    }

    [Fact]
    public async Task AScratchSuccessIsLoggedAndRecordedButNotStagedForSigning()
    {
        await _probe.PutAsync(Tubes.Notify, MessageJson.Serialize(Event(BuildStatus.Success, scratch: true)));

        await StartAsync();
        await _probe.WaitUntilAllDeletedAsync(Tubes.Notify, putCount: 1);

        Assert.Contains("status Success [1.0-1.el7] (Scratch job: True)", Assert.Single(LogLines()), StringComparison.Ordinal);
        Assert.True(Assert.Single(await _history.QueryAsync(BuildStatus.Success, Target)).Scratch);
        Assert.Equal(0, (await _probe.StatsAsync(Tubes.Tosign)).TotalJobs);
    }

    [Theory]
    [InlineData("Build job SRPM hello-1.0-1.el7.src.rpm", "body is not a valid JSON object")]
    [InlineData("null", "body is JSON null")]
    [InlineData("""{"srpm":"hello-1.0-1.el7.src.rpm","arch":"x86_64","status":"Success"}""", "missing or empty field(s): target, timestamp")]
    public async Task AnEventThatCannotBeReadIsBuriedWithTheReasonAndLeavesNoTrace(string body, string reason)
    {
        var id = await _probe.PutAsync(Tubes.Notify, body);

        await StartAsync();
        var buried = await _probe.WaitForBuriedAsync(Tubes.Notify);

        Assert.Equal((id, body), (buried.Id, buried.Body));
        Assert.Contains(reason, buried.Reason, StringComparison.Ordinal);
        Assert.Empty(LogLines());
        Assert.Empty(HistoryRows.All(HistoryPath));
        Assert.Equal(0, (await _probe.StatsAsync(Tubes.Tosign)).TotalJobs);
    }

    [Fact]
    public async Task TheSameEventDeliveredTwiceIsLoggedAndRecordedOnce()
    {
        var body = MessageJson.Serialize(Event(BuildStatus.Failed, reason: "rpmbuild exited with 1"));
        await _probe.PutAsync(Tubes.Notify, body);
        await _probe.PutAsync(Tubes.Notify, body);

        await StartAsync();
        await _probe.WaitUntilAllDeletedAsync(Tubes.Notify, putCount: 2);

        Assert.Contains("status Failed", Assert.Single(LogLines()), StringComparison.Ordinal);
        Assert.Equal(BuildStatus.Failed, Assert.Single(HistoryRows.All(HistoryPath)).Status);
    }

    [Fact]
    public async Task ABurstIsRecordedOnceEachWithAMalformedJobAmongItBuriedAndTheRestNotHeldBack()
    {
        // 300 builds, Building then Success each, queued before the notifier starts: it takes them in batches.
        var bodies = new List<string>();
        for (var i = 0; i < 300; i++)
        {
            var srpm = $"pkg{i}-1.0-1.el7.src.rpm";
            bodies.Add(MessageJson.Serialize(Event(BuildStatus.Building, srpm: srpm, buildId: $"build-{i}")));
            bodies.Add(MessageJson.Serialize(Event(BuildStatus.Success, srpm: srpm, buildId: $"build-{i}")));
        }
        bodies.Insert(101, "{\"srpm\": 42}");
        bodies.Insert(400, bodies[10]);
        foreach (var body in bodies)
        {
            await _probe.PutAsync(Tubes.Notify, body);
        }

        await StartAsync();
        var buried = await _probe.WaitForBuriedAsync(Tubes.Notify);
        await _probe.WaitForStatsAsync(Tubes.Notify, s => s is { Ready: 0, Reserved: 0 }, "every other notify job deleted");

        Assert.Equal("{\"srpm\": 42}", buried.Body);
        Assert.Single(await _probe.BuriedAsync(Tubes.Notify));
        Assert.Equal(600, LogLines().Length);
        Assert.Equal(300, LogLines().Count(l => l.Contains("status Success", StringComparison.Ordinal)));
        var rows = HistoryRows.All(HistoryPath);
        Assert.Equal(600, rows.Count);
        Assert.Equal(300, rows.Count(r => r is { Status: BuildStatus.Success, LatestBuild: true }));
        Assert.Equal(300, rows.Count(r => r.Status == BuildStatus.Done));
        Assert.Equal(300, (await _probe.TakeReadyAsync(Tubes.Tosign)).Count);
    }
}
