using Microsoft.Extensions.Logging.Abstractions;
using static Reimzul.Tests.History.BuildEvents;
using Reimzul.History;
using Reimzul.Messages;
using Reimzul.Notify;
using Reimzul.Tests.Support;

namespace Reimzul.Tests.Notify;

public sealed class NotificationProcessorTests : IAsyncLifetime, IDisposable
{
    private const string Target = "c7.1708.u.x86_64";

    private readonly TempDir dir = new("reimzul-notify");
    private readonly RecordingNotificationSink mail = new();
    private SqliteHistoryStore history = null!;
    private NotificationProcessor processor = null!;

    private string LogPath => dir.Combine("log", "reimzul.log");

    public async Task InitializeAsync()
    {
        history = await SqliteHistoryStore.OpenAsync(dir.Combine("history.db"));
        var log = new LogFileSink(LogPath, new FixedTimeProvider(new DateTimeOffset(2026, 11, 25, 15, 46, 2, TimeSpan.Zero)));
        processor = new NotificationProcessor(history, [log, mail], NullLogger.Instance);
    }

    public async Task DisposeAsync() => await history.DisposeAsync();

    public void Dispose() => dir.Dispose();

    private string[] LogLines() => File.Exists(LogPath) ? File.ReadAllLines(LogPath) : [];

    [Fact]
    public async Task ANonScratchSuccessIsAnnouncedRecordedAndStagedForSigning()
    {
        var success = Event(BuildStatus.Success) with { PkgName = "hello", Evr = "1.0-1.el7" };

        var outcome = await processor.HandleAsync(success, CancellationToken.None);

        Assert.True(outcome.Recorded);
        Assert.Equal(new TosignRequest
        {
            PkgName = "hello",
            Status = "Success",
            Target = Target,
            Arch = "x86_64",
            Timestamp = "20261125164602",
            Evr = "1.0-1.el7",
            BuildId = "build-1",
        }, outcome.Tosign);
        Assert.Equal([success], mail.Emitted);
        Assert.Contains("status Success", Assert.Single(LogLines()), StringComparison.Ordinal);
        Assert.True(Assert.Single(await history.QueryAsync(BuildStatus.Success, Target)).LatestBuild);
    }

    [Theory]
    [InlineData(BuildStatus.Building)]
    [InlineData(BuildStatus.Failed)]
    public async Task AnEventThatIsNotASuccessIsAnnouncedAndRecordedButNotStaged(string status)
    {
        var outcome = await processor.HandleAsync(Event(status), CancellationToken.None);

        Assert.Equal(new NotifyOutcome(Recorded: true, Tosign: null), outcome);
        Assert.Single(mail.Emitted);
        Assert.Single(LogLines());
        Assert.Single(await history.QueryAsync(status, Target));
    }

    [Fact]
    public async Task AScratchSuccessIsRecordedButNeverStaged()
    {
        var outcome = await processor.HandleAsync(Event(BuildStatus.Success, scratch: true), CancellationToken.None);

        Assert.Equal(new NotifyOutcome(Recorded: true, Tosign: null), outcome);
        Assert.Contains("(Scratch job: True)", Assert.Single(LogLines()), StringComparison.Ordinal);
        Assert.True(Assert.Single(await history.QueryAsync(BuildStatus.Success, Target)).Scratch);
    }

    [Fact]
    public async Task ARedeliveredEventIsNotAnnouncedAgainButIsStillStaged()
    {
        var success = Event(BuildStatus.Success);
        var first = await processor.HandleAsync(success, CancellationToken.None);

        var again = await processor.HandleAsync(success, CancellationToken.None);

        Assert.False(again.Recorded);
        Assert.Equal(first.Tosign, again.Tosign);
        Assert.NotNull(again.Tosign);
        Assert.Single(LogLines());
        Assert.Single(mail.Emitted);
        Assert.Single(await history.QueryAsync(BuildStatus.Success, Target));
    }

    [Fact]
    public async Task WhenASinkFailsTheEventIsNotRecordedAndTheRetryAnnouncesIt()
    {
        var failed = Event(BuildStatus.Failed);
        mail.FailWith = new IOException("mail server refused the connection");

        var error = await Assert.ThrowsAsync<IOException>(() => processor.HandleAsync(failed, CancellationToken.None));

        Assert.Equal("mail server refused the connection", error.Message);
        Assert.False(await history.ContainsAsync(failed));

        mail.FailWith = null;
        var outcome = await processor.HandleAsync(failed, CancellationToken.None);

        Assert.True(outcome.Recorded);
        Assert.Equal([failed], mail.Emitted);
        // The log sink ran before the mail sink both times: a duplicate line, never a lost one.
        Assert.Equal(2, LogLines().Length);
        Assert.True(await history.ContainsAsync(failed));
    }

    [Fact]
    public async Task ABuildFromBuildingToSuccessLeavesOneLogLinePerEventAndOneLatestResult()
    {
        Assert.Null((await processor.HandleAsync(Event(BuildStatus.Building), CancellationToken.None)).Tosign);
        Assert.NotNull((await processor.HandleAsync(Event(BuildStatus.Success), CancellationToken.None)).Tosign);

        Assert.Equal(2, LogLines().Length);
        Assert.Empty(await history.QueryAsync(BuildStatus.Building, Target));
        Assert.Single(await history.QueryAsync(BuildStatus.Success, Target));
    }
}
