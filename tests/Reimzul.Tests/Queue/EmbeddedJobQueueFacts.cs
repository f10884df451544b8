using System.Diagnostics;
using Microsoft.Data.Sqlite;
using Reimzul.Queue;
using Reimzul.Queue.Embedded;
using Reimzul.Tests.Support;

namespace Reimzul.Tests.Queue;

/// <summary>The contract on the embedded queue (on a test clock), plus what only a file shared by processes has to do.</summary>
public sealed class EmbeddedJobQueueFacts : JobQueueContract, IDisposable
{
    private static readonly TimeSpan LongTtr = TimeSpan.FromHours(1);
    private readonly TempDir _dir = new("reimzul-queue");
    private readonly ManualTimeProvider _clock = new();
    private readonly EmbeddedJobQueueFactory _factory;

    public EmbeddedJobQueueFacts()
    {
        // No fallback re-check on the test clock: every wake-up must come from a signal or a due time.
        _factory = new EmbeddedJobQueueFactory(DatabasePath, _clock) { FallbackRecheck = TimeSpan.FromDays(1) };
    }

    private string DatabasePath => _dir.Combine("queue", "queue.db");

    protected override IJobQueueFactory Factory => _factory;

    protected override bool KeepsBuryReasons => true;

    protected override Task PassTimeAsync(TimeSpan duration)
    {
        _clock.Advance(duration);
        return Task.CompletedTask;
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task JobsSurviveReopeningTheDatabase()
    {
        long ready, buried;
        await using (var queue = await _factory.OpenSessionAsync())
        {
            ready = await queue.PutAsync("t", "ready", 10, TimeSpan.Zero, LongTtr);
            buried = await queue.PutAsync("t", "buried", 5, TimeSpan.Zero, LongTtr);
            await queue.ReserveAsync(["t"], TimeSpan.Zero);
            await queue.BuryAsync(buried, 5, "test");
            await queue.PutAsync("t", "delayed", 10, TimeSpan.FromHours(1), LongTtr);
        }

        await using var reopened = await new EmbeddedJobQueueFactory(DatabasePath, _clock).OpenSessionAsync();

        Assert.Equal(new TubeStats("t", Ready: 1, Reserved: 0, Buried: 1, Delayed: 1, Watching: 0, TotalJobs: 3), await reopened.StatsTubeAsync("t"));
        var job = await reopened.ReserveAsync(["t"], TimeSpan.Zero);
        Assert.Equal((ready, "t", 10u, "ready"), (job?.Id, job?.Tube, job?.Priority, job?.Body));
        var next = await reopened.PutAsync("t", "after", 10, TimeSpan.Zero, LongTtr);
        Assert.True(next > buried + 1, "ids keep growing across reopening");
    }

    [Fact]
    public async Task AQueueFileOfTheFirstSchemaKeepsItsJobsAndLearnsToKeepBuryReasons()
    {
        // The schema of the first release, with one job waiting in it.
        Directory.CreateDirectory(Path.GetDirectoryName(DatabasePath)!);
        await using (var old = new SqliteConnection($"Data Source={DatabasePath}"))
        {
            await old.OpenAsync();
            await using var create = old.CreateCommand();
            create.CommandText = """
                PRAGMA journal_mode = WAL;
                CREATE TABLE jobs (id INTEGER PRIMARY KEY AUTOINCREMENT, tube TEXT NOT NULL, priority INTEGER NOT NULL, state INTEGER NOT NULL,
                    due INTEGER, ttr_ms INTEGER NOT NULL, owner INTEGER, body TEXT NOT NULL, created INTEGER NOT NULL,
                    reserves INTEGER NOT NULL DEFAULT 0, timeouts INTEGER NOT NULL DEFAULT 0);
                CREATE TABLE sessions (id INTEGER PRIMARY KEY AUTOINCREMENT, pid INTEGER NOT NULL, started INTEGER NOT NULL, host TEXT NOT NULL, last_seen INTEGER NOT NULL);
                CREATE TABLE watches (session INTEGER NOT NULL, tube TEXT NOT NULL, PRIMARY KEY (session, tube)) WITHOUT ROWID;
                CREATE TABLE tubes (name TEXT PRIMARY KEY, total_jobs INTEGER NOT NULL) WITHOUT ROWID;
                INSERT INTO jobs (tube, priority, state, ttr_ms, body, created) VALUES ('x86_64', 8192, 0, 60000, 'from before', 0);
                INSERT INTO tubes VALUES ('x86_64', 1);
                PRAGMA user_version = 1;
                """;
            await create.ExecuteNonQueryAsync();
        }
        SqliteConnection.ClearAllPools();

        await using var queue = await _factory.OpenSessionAsync();
        var job = await queue.ReserveAsync(["x86_64"], TimeSpan.Zero);
        Assert.Equal("from before", job?.Body);
        Assert.True(await job!.BuryAsync("kept since version 2"));

        Assert.Equal("kept since version 2", (await queue.BuriedAsync("x86_64", 10)).Single().Reason);
    }

    [Fact]
    public async Task TwoFactoriesOnOneFileSeeEachOthersJobsAndAPutWakesTheOtherWithoutItsClockMoving()
    {
        // Two factories share no in-process signal, as two processes would not; only the wake file connects them.
        // Their clock never moves and the waiter re-checks only once a day, so no timeout, re-check or due time
        // can end its wait: only the wake file can.
        var stopped = new ManualTimeProvider();
        var putterSide = new EmbeddedJobQueueFactory(DatabasePath, stopped);
        var waiterSide = new EmbeddedJobQueueFactory(DatabasePath, stopped) { FallbackRecheck = TimeSpan.FromDays(1) };
        await using var putter = await putterSide.OpenSessionAsync();
        await using var waiter = await waiterSide.OpenSessionAsync();

        var pending = waiter.ReserveAsync(["shared"], TimeSpan.FromSeconds(10));
        // Watching shows once the waiter has looked and found nothing, with its wake file already watched.
        await Eventually.WaitAsync(async () => (await putter.StatsTubeAsync("shared")).Watching == 1, TimeSpan.FromSeconds(10), () => "the pending reserve did not show as watching within 10 s");
        Assert.False(pending.IsCompleted);
        var id = await putter.PutAsync("shared", "across", 10, TimeSpan.Zero, LongTtr);

        Assert.Equal(id, (await Within(pending))?.Id);
    }

    [Fact]
    public async Task AWaitingReserveWakesWhenAnotherSessionsTtrRunsOut()
    {
        var ttr = TimeSpan.FromSeconds(1);
        await using var owner = await _factory.OpenSessionAsync();
        await using var other = await _factory.OpenSessionAsync();
        var id = await owner.PutAsync("t", "x", 10, TimeSpan.Zero, ttr);
        await owner.ReserveAsync(["t"], TimeSpan.Zero);
        var pending = other.ReserveAsync(["t"], TimeSpan.FromMinutes(1));

        // Nothing announces the end of a TTR: the waiter has to wake at the due time it read from the database.
        _clock.Advance(ttr - TimeSpan.FromMilliseconds(1));
        Assert.False(pending.IsCompleted);

        _clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(id, (await Within(pending))?.Id);
    }

    [Fact]
    public async Task AReservationHeldByAProcessThatDiedIsReleased()
    {
        using var child = Process.Start(new ProcessStartInfo("sleep") { ArgumentList = { "60" } })!;
        try
        {
            var childIdentity = ProcessIdentity.Of(child.Id);
            Assert.NotNull(childIdentity);
            await using var theirs = await new EmbeddedJobQueueFactory(DatabasePath, _clock, childIdentity).OpenSessionAsync();
            await using var ours = await _factory.OpenSessionAsync();
            var id = await ours.PutAsync("t", "x", 10, TimeSpan.Zero, LongTtr);
            Assert.Equal(id, (await theirs.ReserveAsync(["t"], TimeSpan.Zero))?.Id);
            Assert.Null(await ours.ReserveAsync(["t"], TimeSpan.Zero));

            child.Kill();
            await child.WaitForExitAsync();

            Assert.Equal(1, (await ours.StatsTubeAsync("t")).Watching);
            Assert.Equal(id, (await ours.ReserveAsync(["t"], TimeSpan.Zero))?.Id);
        }
        finally
        {
            if (!child.HasExited)
            {
                child.Kill();
            }
        }
    }

    [Fact]
    public async Task ASessionRecordedUnderAReusedPidCountsAsDead()
    {
        var me = ProcessIdentity.Current;
        var earlierHolderOfMyPid = me with { StartTicks = me.StartTicks - 1 };
        await using var theirs = await new EmbeddedJobQueueFactory(DatabasePath, _clock, earlierHolderOfMyPid).OpenSessionAsync();
        await using var ours = await _factory.OpenSessionAsync();
        var id = await theirs.PutAsync("t", "x", 10, TimeSpan.Zero, LongTtr);
        await theirs.ReserveAsync(["t"], TimeSpan.Zero);

        Assert.Equal(id, (await ours.ReserveAsync(["t"], TimeSpan.Zero))?.Id);
    }

    [Fact]
    public async Task AnOwnerWhosePidCannotBeCheckedIsDeadOnlyOnceItsHeartbeatStops()
    {
        // Its own clock never moves, so its heartbeat never beats: as if its process were gone.
        var elsewhere = new ProcessIdentity(1, 1, "another-host/pid:[1]");
        await using var theirs = await new EmbeddedJobQueueFactory(DatabasePath, new ManualTimeProvider(), elsewhere).OpenSessionAsync();
        await using var ours = await _factory.OpenSessionAsync();
        var id = await theirs.PutAsync("t", "x", 10, TimeSpan.Zero, LongTtr);
        await theirs.ReserveAsync(["t"], TimeSpan.Zero);

        _clock.Advance(TimeSpan.FromSeconds(30));
        Assert.Null(await ours.ReserveAsync(["t"], TimeSpan.Zero));

        _clock.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(id, (await ours.ReserveAsync(["t"], TimeSpan.Zero))?.Id);
    }

    [Fact]
    public async Task ABodyOverOneMebibyteIsRefusedSayingWhy()
    {
        await using var queue = await _factory.OpenSessionAsync();
        var largest = new string('x', 1024 * 1024);
        var id = await queue.PutAsync("t", largest, 10, TimeSpan.Zero, LongTtr);
        Assert.Equal(largest, (await queue.ReserveAsync(["t"], TimeSpan.Zero))?.Body);

        // 'é' is two bytes of UTF-8: the limit is on bytes, not characters.
        var tooLarge = new string('é', 512 * 1024 + 1);
        var error = await Assert.ThrowsAsync<ArgumentException>(() => queue.PutAsync("t", tooLarge, 10, TimeSpan.Zero, LongTtr));

        Assert.Equal("body", error.ParamName);
        Assert.Contains("1048578 bytes", error.Message, StringComparison.Ordinal);
        Assert.Contains("at most 1048576 bytes (1 MiB)", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, (await queue.StatsTubeAsync("t")).TotalJobs);
        Assert.True(await queue.DeleteAsync(id));
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("-x", "starts with '-'")]
    [InlineData("a b", "holds ' '")]
    [InlineData("tübe", "holds 'ü'")]
    public async Task ABadTubeNameIsRefusedSayingWhy(string tube, string reason)
    {
        await using var queue = await _factory.OpenSessionAsync();

        var put = await Assert.ThrowsAsync<ArgumentException>(() => queue.PutAsync(tube, "x", 10, TimeSpan.Zero, LongTtr));
        var reserve = await Assert.ThrowsAsync<ArgumentException>(() => queue.ReserveAsync(["ok", tube], TimeSpan.Zero));

        Assert.Contains(reason, put.Message, StringComparison.Ordinal);
        Assert.Contains(reason, reserve.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ASessionStaysUsableAfterACancelledReserve()
    {
        await using var queue = await _factory.OpenSessionAsync();
        using var cancel = new CancellationTokenSource();
        var pending = queue.ReserveAsync(["t"], TimeSpan.FromSeconds(30), cancel.Token);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Within(pending));

        var id = await queue.PutAsync("t", "x", 10, TimeSpan.Zero, LongTtr);

        Assert.Equal(id, (await queue.ReserveAsync(["t"], TimeSpan.Zero))?.Id);
    }

    [Fact]
    public async Task AFileThatIsNotAQueueDatabaseIsRefusedNamingIt()
    {
        var path = _dir.Combine("garbage.db");
        await File.WriteAllTextAsync(path, new string('?', 4096));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => new EmbeddedJobQueueFactory(path).OpenSessionAsync());

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AClosedSessionRefusesFurtherUse()
    {
        var queue = await _factory.OpenSessionAsync();
        await queue.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => queue.PutAsync("t", "x", 10, TimeSpan.Zero, LongTtr));
    }
}
