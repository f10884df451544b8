using Reimzul.Queue;


namespace Reimzul.Tests.Queue;

/// <summary>
/// What every queue backend must do, written against <see cref="IJobQueue"/> only, so the embedded queue and
/// a real beanstalkd are held to the same behaviour. Each test uses tubes no other test uses.
/// </summary>
public abstract class JobQueueContract : IAsyncLifetime
{
    private static readonly TimeSpan LongTtr = TimeSpan.FromHours(1);
    private readonly List<IJobQueue> _sessions = [];
    private readonly string _prefix = $"c{Guid.NewGuid():N}";

    /// <summary>Opens a new session (a new connection, for a server) on the queue under test.</summary>
    protected abstract Task<IJobQueue> OpenSessionAsync();

    /// <summary>Lets <paramref name="duration"/> pass on the queue's clock: a real server waits, a backend on a test clock advances it.</summary>
    protected abstract Task PassTimeAsync(TimeSpan duration);

    /// <summary>Runs after every session opened through <see cref="OpenAsync"/> is closed.</summary>
    protected virtual Task CleanUpAsync() => Task.CompletedTask;

    /// <summary>A tube name unique to this test.</summary>
    protected string Tube(string name) => $"{_prefix}-{name}";

    /// <summary>Opens a session that is closed when the test ends.</summary>
    protected async Task<IJobQueue> OpenAsync()
    {
        var session = await OpenSessionAsync();
        _sessions.Add(session);
        return session;
    }

    /// <summary>Awaits something expected to finish soon, failing instead of hanging when it does not.</summary>
    protected static Task<T> Within<T>(Task<T> task) => task.WaitAsync(TimeSpan.FromSeconds(15));

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var session in _sessions)
        {
            await session.DisposeAsync();
        }
        await CleanUpAsync();
    }

    [Fact]
    public async Task JobsComeOutByLowestPriorityThenOldestAcrossTheWatchedTubes()
    {
        var queue = await OpenAsync();
        var (a, b) = (Tube("a"), Tube("b"));
        var a10 = await Put(queue, a, "a10", priority: 10);
        var b5 = await Put(queue, b, "b5", priority: 5);
        var a5 = await Put(queue, a, "a5", priority: 5);
        var b10 = await Put(queue, b, "b10", priority: 10);

        var order = new List<long>();
        for (var i = 0; i < 4; i++)
        {
            var job = await queue.ReserveAsync([a, b], TimeSpan.Zero);
            Assert.NotNull(job);
            order.Add(job.Id);
        }

        Assert.Equal([b5, a5, a10, b10], order);
        Assert.Null(await queue.ReserveAsync([a, b], TimeSpan.Zero));
    }

    [Fact]
    public async Task AReservedJobCarriesItsIdTubePriorityAndBody()
    {
        var queue = await OpenAsync();
        var body = "{\"srpm\": \"héllo-1.0-1.src.rpm\", \"note\": \"✓ ünïcode\"}";
        var id = await queue.PutAsync(Tube("x"), body, 1024, TimeSpan.Zero, LongTtr);

        var job = await queue.ReserveAsync([Tube("x")], TimeSpan.Zero);

        Assert.Equal(new ReservedJob(id, Tube("x"), 1024, body), job);
    }

    [Fact]
    public async Task ReserveTakesJobsOnlyFromTheTubesItIsGiven()
    {
        var queue = await OpenAsync();
        await Put(queue, Tube("other"), "not for us");

        Assert.Null(await queue.ReserveAsync([Tube("mine")], TimeSpan.Zero));
        Assert.Equal("not for us", (await queue.ReserveAsync([Tube("other")], TimeSpan.Zero))?.Body);
    }

    [Fact]
    public async Task ReserveWithZeroTimeoutReturnsNullAtOnceWhenNothingIsReady()
    {
        var queue = await OpenAsync();

        Assert.Null(await Within(queue.ReserveAsync([Tube("empty")], TimeSpan.Zero)));
    }

    [Fact]
    public async Task ReserveReturnsNullWhenItsTimeoutPasses()
    {
        var queue = await OpenAsync();

        var pending = queue.ReserveAsync([Tube("empty")], TimeSpan.FromSeconds(1));
        await PassTimeAsync(TimeSpan.FromSeconds(1));

        Assert.Null(await Within(pending));
    }

    [Fact]
    public async Task AWaitingReserveGetsAJobPutByAnotherSession()
    {
        var waiter = await OpenAsync();
        var putter = await OpenAsync();

        var pending = waiter.ReserveAsync([Tube("t")], TimeSpan.FromSeconds(10));
        var id = await Put(putter, Tube("t"), "late");

        Assert.Equal(id, (await Within(pending))?.Id);
    }

    [Fact]
    public async Task ACancelledReserveStopsWaiting()
    {
        var queue = await OpenAsync();
        using var cancel = new CancellationTokenSource();

        var pending = queue.ReserveAsync([Tube("empty")], TimeSpan.FromSeconds(30), cancel.Token);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Within(pending));
    }

    [Fact]
    public async Task ADeletedJobIsGoneAndDeletingItAgainFindsNothing()
    {
        var queue = await OpenAsync();
        var id = await Put(queue, Tube("t"), "x");
        var job = await queue.ReserveAsync([Tube("t")], TimeSpan.Zero);

        Assert.True(await queue.DeleteAsync(job!.Id));
        Assert.False(await queue.DeleteAsync(id));
        Assert.False(await queue.DeleteAsync(long.MaxValue - 7));
        Assert.Equal(0, (await queue.StatsTubeAsync(Tube("t"))).Reserved);
    }

    [Fact]
    public async Task AJobReservedByAnotherSessionCannotBeDeletedReleasedBuriedOrTouched()
    {
        var owner = await OpenAsync();
        var other = await OpenAsync();
        var id = await Put(owner, Tube("t"), "x");
        await owner.ReserveAsync([Tube("t")], TimeSpan.Zero);

        Assert.False(await other.DeleteAsync(id));
        Assert.False(await other.ReleaseAsync(id, 1, TimeSpan.Zero));
        Assert.False(await other.BuryAsync(id, 1));
        Assert.False(await other.TouchAsync(id));
        Assert.Equal(1, (await owner.StatsTubeAsync(Tube("t"))).Reserved);
        Assert.True(await owner.DeleteAsync(id));
    }

    [Fact]
    public async Task AnySessionMayDeleteAReadyDelayedOrBuriedJob()
    {
        var owner = await OpenAsync();
        var other = await OpenAsync();
        var ready = await Put(owner, Tube("t"), "ready");
        var delayed = await owner.PutAsync(Tube("t"), "delayed", 10, TimeSpan.FromHours(1), LongTtr);
        var buried = await Put(owner, Tube("b"), "buried");
        await owner.ReserveAsync([Tube("b")], TimeSpan.Zero);
        Assert.True(await owner.BuryAsync(buried, 10));

        Assert.True(await other.DeleteAsync(ready));
        Assert.True(await other.DeleteAsync(delayed));
        Assert.True(await other.DeleteAsync(buried));
        // No job counts: beanstalkd forgets an empty tube that no session uses or watches, total_jobs with it.
        var stats = await other.StatsTubeAsync(Tube("t"));
        Assert.Equal((0L, 0L, 0L, 0L), (stats.Ready, stats.Reserved, stats.Buried, stats.Delayed));
    }

    [Fact]
    public async Task OnlyAReservedJobCanBeReleasedBuriedOrTouched()
    {
        var queue = await OpenAsync();
        var id = await Put(queue, Tube("t"), "ready, not reserved");

        Assert.False(await queue.ReleaseAsync(id, 1, TimeSpan.Zero));
        Assert.False(await queue.BuryAsync(id, 1));
        Assert.False(await queue.TouchAsync(id));
        Assert.False(await queue.ReleaseAsync(long.MaxValue - 7, 1, TimeSpan.Zero));
    }

    [Fact]
    public async Task AReleasedJobIsReadyAgainWithItsNewPriority()
    {
        var queue = await OpenAsync();
        var first = await Put(queue, Tube("t"), "first", priority: 10);
        var second = await Put(queue, Tube("t"), "second", priority: 20);
        await queue.ReserveAsync([Tube("t")], TimeSpan.Zero);

        Assert.True(await queue.ReleaseAsync(first, 30, TimeSpan.Zero));

        Assert.Equal(second, (await queue.ReserveAsync([Tube("t")], TimeSpan.Zero))?.Id);
        var again = await queue.ReserveAsync([Tube("t")], TimeSpan.Zero);
        Assert.Equal((first, 30u), (again?.Id, again?.Priority));
    }

    [Fact]
    public async Task AJobReleasedWithADelayWaitsForItBeforeItIsReadyAgain()
    {
        var owner = await OpenAsync();
        var other = await OpenAsync();
        var id = await Put(owner, Tube("t"), "x");
        await owner.ReserveAsync([Tube("t")], TimeSpan.Zero);

        Assert.True(await owner.ReleaseAsync(id, 5, TimeSpan.FromSeconds(1)));
        Assert.Equal((0L, 0L, 1L), Counts(await other.StatsTubeAsync(Tube("t"))));
        Assert.Null(await other.ReserveAsync([Tube("t")], TimeSpan.Zero));

        var pending = other.ReserveAsync([Tube("t")], TimeSpan.FromSeconds(10));
        await PassTimeAsync(TimeSpan.FromSeconds(1));
        var job = await Within(pending);
        Assert.Equal((id, 5u), (job?.Id, job?.Priority));
    }

    [Fact]
    public async Task ABuriedJobStaysOutOfReachUntilKicked()
    {
        var queue = await OpenAsync();
        var id = await Put(queue, Tube("t"), "poison", priority: 100);
        await queue.ReserveAsync([Tube("t")], TimeSpan.Zero);

        Assert.True(await queue.BuryAsync(id, 7));
        Assert.Null(await queue.ReserveAsync([Tube("t")], TimeSpan.Zero));
        Assert.Equal(1, (await queue.StatsTubeAsync(Tube("t"))).Buried);

        Assert.Equal(1, await queue.KickAsync(Tube("t"), 10));
        var job = await queue.ReserveAsync([Tube("t")], TimeSpan.Zero);
        Assert.Equal((id, 7u), (job?.Id, job?.Priority));
    }

    [Fact]
    public async Task KickMovesBuriedJobsFirstAndDelayedOnlyWhenNoneAreBuried()
    {
        var queue = await OpenAsync();
        var t = Tube("t");
        for (var i = 0; i < 2; i++)
        {
            var id = await Put(queue, t, $"buried {i}");
            await queue.ReserveAsync([t], TimeSpan.Zero);
            await queue.BuryAsync(id, 10);
        }
        await queue.PutAsync(t, "delayed", 10, TimeSpan.FromHours(1), LongTtr);

        Assert.Equal(1, await queue.KickAsync(t, 1));
        Assert.Equal(1, await queue.KickAsync(t, 10));
        Assert.Equal(1, await queue.KickAsync(t, 10));
        Assert.Equal(0, await queue.KickAsync(t, 10));
        Assert.Equal(0, await queue.KickAsync(Tube("nothing"), 10));
        Assert.Equal((3L, 0L, 0L), Counts(await queue.StatsTubeAsync(t)));
    }

    [Fact]
    public async Task AReservationWhoseTtrRunsOutReturnsTheJobToOthers()
    {
        var owner = await OpenAsync();
        var other = await OpenAsync();
        var id = await owner.PutAsync(Tube("t"), "slow", 10, TimeSpan.Zero, TimeSpan.FromSeconds(1));
        await owner.ReserveAsync([Tube("t")], TimeSpan.Zero);
        Assert.Null(await other.ReserveAsync([Tube("t")], TimeSpan.Zero));

        await PassTimeAsync(TimeSpan.FromSeconds(1));

        Assert.Equal(id, (await Within(other.ReserveAsync([Tube("t")], TimeSpan.FromSeconds(10))))?.Id);
        Assert.False(await owner.TouchAsync(id));
        Assert.False(await owner.ReleaseAsync(id, 10, TimeSpan.Zero));
        Assert.False(await owner.DeleteAsync(id));
    }

    [Fact]
    public async Task ATtrBelowOneSecondCountsAsOneSecond()
    {
        var owner = await OpenAsync();
        var other = await OpenAsync();
        var id = await owner.PutAsync(Tube("t"), "x", 10, TimeSpan.Zero, TimeSpan.Zero);
        await owner.ReserveAsync([Tube("t")], TimeSpan.Zero);

        Assert.Null(await other.ReserveAsync([Tube("t")], TimeSpan.Zero));
        Assert.True(await owner.TouchAsync(id));
        await PassTimeAsync(TimeSpan.FromSeconds(1));

        Assert.Equal(id, (await Within(other.ReserveAsync([Tube("t")], TimeSpan.FromSeconds(10))))?.Id);
    }

    [Fact]
    public async Task TouchRestartsTheTtr()
    {
        var owner = await OpenAsync();
        var other = await OpenAsync();
        var id = await owner.PutAsync(Tube("t"), "long build", 10, TimeSpan.Zero, TimeSpan.FromSeconds(2));
        await owner.ReserveAsync([Tube("t")], TimeSpan.Zero);

        await PassTimeAsync(TimeSpan.FromSeconds(1));
        Assert.True(await owner.TouchAsync(id));
        await PassTimeAsync(TimeSpan.FromSeconds(1.5));

        // 2.5 s after the reserve, past the first TTR but not past the touched one.
        Assert.Null(await other.ReserveAsync([Tube("t")], TimeSpan.Zero));
        Assert.Equal(1, (await other.StatsTubeAsync(Tube("t"))).Reserved);

        await PassTimeAsync(TimeSpan.FromSeconds(1));
        Assert.Equal(id, (await Within(other.ReserveAsync([Tube("t")], TimeSpan.FromSeconds(10))))?.Id);
    }

    [Fact]
    public async Task ADelayedJobIsNotReadyUntilItsDelayPasses()
    {
        var queue = await OpenAsync();
        var id = await queue.PutAsync(Tube("t"), "later", 10, TimeSpan.FromSeconds(1), LongTtr);

        Assert.Null(await queue.ReserveAsync([Tube("t")], TimeSpan.Zero));
        Assert.Equal((0L, 0L, 1L), Counts(await queue.StatsTubeAsync(Tube("t"))));

        var pending = queue.ReserveAsync([Tube("t")], TimeSpan.FromSeconds(10));
        await PassTimeAsync(TimeSpan.FromSeconds(1));

        Assert.Equal(id, (await Within(pending))?.Id);
    }

    [Fact]
    public async Task ClosingASessionReleasesItsReservedJobsAtOnce()
    {
        var owner = await OpenSessionAsync();
        var other = await OpenAsync();
        var id = await Put(owner, Tube("t"), "orphan");
        await owner.ReserveAsync([Tube("t")], TimeSpan.Zero);
        var pending = other.ReserveAsync([Tube("t")], TimeSpan.FromSeconds(10));

        await owner.DisposeAsync();

        Assert.Equal(id, (await Within(pending))?.Id);
    }

    [Fact]
    public async Task ConcurrentSessionsReserveEveryJobExactlyOnce()
    {
        const int jobs = 120;
        const int workers = 4;
        var t = Tube("t");
        var putter = await OpenAsync();
        var expected = new List<long>();
        for (var i = 0; i < jobs; i++)
        {
            expected.Add(await Put(putter, t, $"job {i}"));
        }
        var sessions = new List<IJobQueue>();
        for (var i = 0; i < workers; i++)
        {
            sessions.Add(await OpenAsync());
        }

        var taken = await Task.WhenAll(sessions.Select(session => Task.Run(async () =>
        {
            var mine = new List<long>();
            while (await session.ReserveAsync([t], TimeSpan.Zero) is { } job)
            {
                mine.Add(job.Id);
                Assert.True(await session.DeleteAsync(job.Id));
            }
            return mine;
        })));

        Assert.Equal(expected, taken.SelectMany(ids => ids).Order());
    }

    [Fact]
    public async Task StatsCountJobsByStateAndTheSessionsWatchingTheTube()
    {
        var t = Tube("t");
        var first = await OpenAsync();
        var second = await OpenAsync();
        var buried = await Put(first, t, "1");
        await Put(first, t, "2");
        await Put(first, t, "3");
        await first.PutAsync(t, "4", 10, TimeSpan.FromHours(1), LongTtr);
        await first.ReserveAsync([t], TimeSpan.Zero);
        await first.BuryAsync(buried, 10);
        await first.ReserveAsync([t], TimeSpan.Zero);

        Assert.Equal(new TubeStats(t, Ready: 1, Reserved: 1, Buried: 1, Delayed: 1, Watching: 1, TotalJobs: 4), await second.StatsTubeAsync(t));

        await second.ReserveAsync([Tube("elsewhere"), t], TimeSpan.Zero);
        Assert.Equal(new TubeStats(t, Ready: 0, Reserved: 2, Buried: 1, Delayed: 1, Watching: 2, TotalJobs: 4), await first.StatsTubeAsync(t));

        await second.DisposeAsync();
        Assert.Equal(new TubeStats(t, Ready: 1, Reserved: 1, Buried: 1, Delayed: 1, Watching: 1, TotalJobs: 4), await first.StatsTubeAsync(t));
    }

    [Fact]
    public async Task StatsOfATubeThatDoesNotExistAreZeros()
    {
        var queue = await OpenAsync();

        Assert.Equal(new TubeStats(Tube("never"), 0, 0, 0, 0, 0, 0), await queue.StatsTubeAsync(Tube("never")));
    }

    [Fact]
    public async Task ListTubesShowsTubesThatHoldJobsOrAreWatched()
    {
        var putter = await OpenAsync();
        var watcher = await OpenSessionAsync();
        await Put(putter, Tube("with-job"), "x");
        await watcher.ReserveAsync([Tube("watched")], TimeSpan.Zero);

        var tubes = await putter.ListTubesAsync();
        Assert.Contains(Tube("with-job"), tubes);
        Assert.Contains(Tube("watched"), tubes);

        await watcher.DisposeAsync();
        Assert.DoesNotContain(Tube("watched"), await putter.ListTubesAsync());
    }

    private static Task<long> Put(IJobQueue queue, string tube, string body, uint priority = 10) =>
        queue.PutAsync(tube, body, priority, TimeSpan.Zero, LongTtr);

    private static (long Ready, long Reserved, long Delayed) Counts(TubeStats stats) => (stats.Ready, stats.Reserved, stats.Delayed);
}
