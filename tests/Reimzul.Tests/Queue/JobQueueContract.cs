using Reimzul.Queue;

namespace Reimzul.Tests.Queue;

/// <summary>
/// What every queue backend must do, written against the public queue API only (<see cref="IJobQueueFactory"/> and
/// the sides it opens), so the embedded queue and a real beanstalkd are held to the same behaviour. Each test uses
/// tubes no other test uses.
/// </summary>
public abstract class JobQueueContract : IAsyncLifetime
{
    private static readonly TimeSpan LongTtr = TimeSpan.FromHours(1);
    private readonly List<IAsyncDisposable> _sessions = [];
    private readonly string _prefix = $"c{Guid.NewGuid():N}";

    /// <summary>The queue under test.</summary>
    protected abstract IJobQueueFactory Factory { get; }

    /// <summary>Whether the backend keeps why a job was buried (the embedded queue does; beanstalkd does not).</summary>
    protected abstract bool KeepsBuryReasons { get; }

    /// <summary>Lets <paramref name="duration"/> pass on the queue's clock: a real server waits, a backend on a test clock advances it.</summary>
    protected abstract Task PassTimeAsync(TimeSpan duration);

    /// <summary>Runs after every session opened here is closed.</summary>
    protected virtual Task CleanUpAsync() => Task.CompletedTask;

    /// <summary>A tube name unique to this test.</summary>
    protected string Tube(string name) => $"{_prefix}-{name}";

    protected Task<IJobProducer> ProducerAsync() => Track(Factory.OpenProducerAsync());

    protected Task<IJobConsumer> ConsumerAsync() => Track(Factory.OpenConsumerAsync());

    protected Task<IQueueAdmin> AdminAsync() => Track(Factory.OpenAdminAsync());

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
        var producer = await ProducerAsync();
        var consumer = await ConsumerAsync();
        var (a, b) = (Tube("a"), Tube("b"));
        var a10 = await Put(producer, a, "a10", priority: 10);
        var b5 = await Put(producer, b, "b5", priority: 5);
        var a5 = await Put(producer, a, "a5", priority: 5);
        var b10 = await Put(producer, b, "b10", priority: 10);

        var order = new List<long>();
        for (var i = 0; i < 4; i++)
        {
            var job = await consumer.ReserveAsync([a, b], TimeSpan.Zero);
            Assert.NotNull(job);
            order.Add(job.Id);
        }

        Assert.Equal([b5, a5, a10, b10], order);
        Assert.Null(await consumer.ReserveAsync([a, b], TimeSpan.Zero));
    }

    [Fact]
    public async Task ReserveManyTakesUpToItsLimitOfReadyJobsInTheOrderReserveWould()
    {
        var producer = await ProducerAsync();
        var consumer = await ConsumerAsync();
        var (a, b) = (Tube("a"), Tube("b"));
        var a10 = await Put(producer, a, "a10", priority: 10);
        var b5 = await Put(producer, b, "b5", priority: 5);
        var a5 = await Put(producer, a, "a5", priority: 5);
        var b10 = await Put(producer, b, "b10", priority: 10);
        await Put(producer, Tube("other"), "not watched", priority: 1);

        var firstThree = await consumer.ReserveManyAsync([a, b], 3, TimeSpan.Zero);
        var rest = await consumer.ReserveManyAsync([a, b], 10, TimeSpan.Zero);
        var none = await consumer.ReserveManyAsync([a, b], 10, TimeSpan.Zero);

        Assert.Equal([b5, a5, a10], firstThree.Select(j => j.Id));
        Assert.Equal(["b5", "a5", "a10"], firstThree.Select(j => j.Body));
        Assert.All(firstThree, j => Assert.Equal(1, j.Deliveries));
        Assert.Equal([b10], rest.Select(j => j.Id));
        Assert.Empty(none);
    }

    [Fact]
    public async Task AWaitingReserveManyGetsTheJobsPutByAnotherSession()
    {
        var consumer = await ConsumerAsync();
        var producer = await ProducerAsync();
        var tube = Tube("wait");

        var reserving = consumer.ReserveManyAsync([tube], 5, TimeSpan.FromSeconds(10));
        var id = await Put(producer, tube, "late");

        var jobs = await Within(reserving);
        Assert.Equal([id], jobs.Select(j => j.Id));
    }

    [Fact]
    public async Task DeleteManyDeletesEveryJobItIsGivenAndPutManyPutsThemInOrder()
    {
        var producer = await ProducerAsync();
        var consumer = await ConsumerAsync();
        var admin = await AdminAsync();
        var tube = Tube("many");

        var ids = await producer.PutManyAsync([.. Enumerable.Range(0, 5).Select(i => new JobToPut(tube, $"job {i}", 100, TimeSpan.Zero, LongTtr))]);
        var jobs = await consumer.ReserveManyAsync([tube], 5, TimeSpan.Zero);
        var deleted = await consumer.DeleteManyAsync([jobs[0], jobs[2], jobs[4]]);

        Assert.Equal(ids.Order(), ids);
        Assert.Equal(ids, jobs.Select(j => j.Id));
        Assert.Equal(["job 0", "job 1", "job 2", "job 3", "job 4"], jobs.Select(j => j.Body));
        Assert.Equal([true, true, true], deleted);
        var stats = await admin.StatsTubeAsync(tube);
        Assert.Equal((0L, 2L, 5L), (stats.Ready, stats.Reserved, stats.TotalJobs));
        Assert.True(await jobs[1].DeleteAsync());
        Assert.True(await jobs[3].DeleteAsync());
        Assert.Empty(await consumer.ReserveManyAsync([tube], 5, TimeSpan.Zero));
    }

    [Fact]
    public async Task AReservedJobCarriesItsIdTubePriorityBodyAndFirstDelivery()
    {
        var producer = await ProducerAsync();
        var consumer = await ConsumerAsync();
        var body = "{\"srpm\": \"héllo-1.0-1.src.rpm\", \"note\": \"✓ ünïcode\"}";
        var id = await producer.PutAsync(Tube("x"), body, 1024, TimeSpan.Zero, LongTtr);

        var job = await consumer.ReserveAsync([Tube("x")], TimeSpan.Zero);

        Assert.NotNull(job);
        Assert.Equal((id, Tube("x"), 1024u, body, 1), (job.Id, job.Tube, job.Priority, job.Body, job.Deliveries));
    }

    [Fact]
    public async Task EachDeliveryOfAJobIsCountedByTheQueueWhicheverSessionTakesIt()
    {
        var producer = await ProducerAsync();
        var first = await ConsumerAsync();
        var second = await ConsumerAsync();
        var t = Tube("t");
        await Put(producer, t, "flaky");

        var once = await first.ReserveAsync([t], TimeSpan.Zero);
        Assert.True(await once!.ReleaseAsync(TimeSpan.Zero));
        var twice = await second.ReserveAsync([t], TimeSpan.Zero);
        Assert.True(await twice!.ReleaseAsync(TimeSpan.Zero));
        await second.DisposeAsync();
        var third = await (await ConsumerAsync()).ReserveAsync([t], TimeSpan.Zero);

        Assert.Equal((1, 2, 3), (once.Deliveries, twice.Deliveries, third!.Deliveries));
    }

    [Fact]
    public async Task ReserveTakesJobsOnlyFromTheTubesItIsGiven()
    {
        var producer = await ProducerAsync();
        var consumer = await ConsumerAsync();
        await Put(producer, Tube("other"), "not for us");

        Assert.Null(await consumer.ReserveAsync([Tube("mine")], TimeSpan.Zero));
        Assert.Equal("not for us", (await consumer.ReserveAsync([Tube("other")], TimeSpan.Zero))?.Body);
    }

    [Fact]
    public async Task ReserveWithZeroTimeoutReturnsNullAtOnceWhenNothingIsReady()
    {
        var consumer = await ConsumerAsync();

        Assert.Null(await Within(consumer.ReserveAsync([Tube("empty")], TimeSpan.Zero)));
    }

    [Fact]
    public async Task ReserveReturnsNullWhenItsTimeoutPasses()
    {
        var consumer = await ConsumerAsync();

        var pending = consumer.ReserveAsync([Tube("empty")], TimeSpan.FromSeconds(1));
        await PassTimeAsync(TimeSpan.FromSeconds(1));

        Assert.Null(await Within(pending));
    }

    [Fact]
    public async Task AWaitingReserveGetsAJobPutByAnotherSession()
    {
        var consumer = await ConsumerAsync();
        var producer = await ProducerAsync();

        var pending = consumer.ReserveAsync([Tube("t")], TimeSpan.FromSeconds(10));
        var id = await Put(producer, Tube("t"), "late");

        Assert.Equal(id, (await Within(pending))?.Id);
    }

    [Fact]
    public async Task ACancelledReserveStopsWaiting()
    {
        var consumer = await ConsumerAsync();
        using var cancel = new CancellationTokenSource();

        var pending = consumer.ReserveAsync([Tube("empty")], TimeSpan.FromSeconds(30), cancel.Token);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Within(pending));
    }

    [Fact]
    public async Task ADeletedJobIsGoneAndDeletingItAgainFindsNothing()
    {
        var producer = await ProducerAsync();
        var consumer = await ConsumerAsync();
        var admin = await AdminAsync();
        await Put(producer, Tube("t"), "x");
        var job = await consumer.ReserveAsync([Tube("t")], TimeSpan.Zero);

        Assert.True(await job!.DeleteAsync());
        Assert.False(await job.DeleteAsync());
        Assert.False(await job.ReleaseAsync(TimeSpan.Zero));
        Assert.False(await job.BuryAsync("gone"));
        Assert.False(await job.TouchAsync());
        Assert.Equal(0, (await admin.StatsTubeAsync(Tube("t"))).Reserved);
    }

    [Fact]
    public async Task AReleasedJobIsReadyAgainAtItsPriority()
    {
        var producer = await ProducerAsync();
        var consumer = await ConsumerAsync();
        var first = await Put(producer, Tube("t"), "first", priority: 10);
        var second = await Put(producer, Tube("t"), "second", priority: 20);
        var job = await consumer.ReserveAsync([Tube("t")], TimeSpan.Zero);

        Assert.True(await job!.ReleaseAsync(TimeSpan.Zero));

        var again = await consumer.ReserveAsync([Tube("t")], TimeSpan.Zero);
        Assert.Equal((first, 10u), (again?.Id, again?.Priority));
        Assert.Equal(second, (await consumer.ReserveAsync([Tube("t")], TimeSpan.Zero))?.Id);
    }

    [Fact]
    public async Task AJobReleasedWithADelayWaitsForItBeforeItIsReadyAgain()
    {
        var producer = await ProducerAsync();
        var owner = await ConsumerAsync();
        var other = await ConsumerAsync();
        var admin = await AdminAsync();
        var id = await Put(producer, Tube("t"), "x", priority: 5);
        var job = await owner.ReserveAsync([Tube("t")], TimeSpan.Zero);

        Assert.True(await job!.ReleaseAsync(TimeSpan.FromSeconds(1)));
        Assert.Equal((0L, 0L, 1L), Counts(await admin.StatsTubeAsync(Tube("t"))));
        Assert.Null(await other.ReserveAsync([Tube("t")], TimeSpan.Zero));

        var pending = other.ReserveAsync([Tube("t")], TimeSpan.FromSeconds(10));
        await PassTimeAsync(TimeSpan.FromSeconds(1));
        var again = await Within(pending);
        Assert.Equal((id, 5u), (again?.Id, again?.Priority));
    }

    [Fact]
    public async Task ABuriedJobStaysOutOfReachUntilKicked()
    {
        var producer = await ProducerAsync();
        var consumer = await ConsumerAsync();
        var admin = await AdminAsync();
        var id = await Put(producer, Tube("t"), "poison", priority: 100);
        var job = await consumer.ReserveAsync([Tube("t")], TimeSpan.Zero);

        Assert.True(await job!.BuryAsync("the body is poison"));
        Assert.Null(await consumer.ReserveAsync([Tube("t")], TimeSpan.Zero));
        Assert.Equal(1, (await admin.StatsTubeAsync(Tube("t"))).Buried);

        Assert.Equal(1, await admin.KickAsync(Tube("t"), 10));
        var kicked = await consumer.ReserveAsync([Tube("t")], TimeSpan.Zero);
        Assert.Equal((id, 100u, 2), (kicked?.Id, kicked?.Priority, kicked?.Deliveries));
    }

    [Fact]
    public async Task TheBuriedJobsOfATubeAreShownTheNextToBeKickedFirst()
    {
        var producer = await ProducerAsync();
        var consumer = await ConsumerAsync();
        var admin = await AdminAsync();
        var t = Tube("t");
        var first = await Put(producer, t, "{\"first\": true}");
        var second = await Put(producer, t, "second");
        await (await consumer.ReserveAsync([t], TimeSpan.Zero))!.BuryAsync("missing field: srpm");
        await (await consumer.ReserveAsync([t], TimeSpan.Zero))!.BuryAsync("not JSON");

        var buried = await admin.BuriedAsync(t, 10);

        Assert.NotEmpty(buried);
        Assert.Equal((first, t, "{\"first\": true}", 1), (buried[0].Id, buried[0].Tube, buried[0].Body, buried[0].Deliveries));
        if (KeepsBuryReasons)
        {
            Assert.Equal([(first, "missing field: srpm"), (second, "not JSON")], buried.Select(j => (j.Id, j.Reason)));
            Assert.Single(await admin.BuriedAsync(t, 1));
        }
        else
        {
            Assert.Null(buried.Single().Reason);
        }
        Assert.Empty(await admin.BuriedAsync(Tube("none-buried"), 10));
    }

    [Fact]
    public async Task KickMovesBuriedJobsFirstAndDelayedOnlyWhenNoneAreBuried()
    {
        var producer = await ProducerAsync();
        var consumer = await ConsumerAsync();
        var admin = await AdminAsync();
        var t = Tube("t");
        for (var i = 0; i < 2; i++)
        {
            await Put(producer, t, $"buried {i}");
            await (await consumer.ReserveAsync([t], TimeSpan.Zero))!.BuryAsync("test");
        }
        await producer.PutAsync(t, "delayed", 10, TimeSpan.FromHours(1), LongTtr);

        Assert.Equal(1, await admin.KickAsync(t, 1));
        Assert.Equal(1, await admin.KickAsync(t, 10));
        Assert.Equal(1, await admin.KickAsync(t, 10));
        Assert.Equal(0, await admin.KickAsync(t, 10));
        Assert.Equal(0, await admin.KickAsync(Tube("nothing"), 10));
        Assert.Equal((3L, 0L, 0L), Counts(await admin.StatsTubeAsync(t)));
    }

    [Fact]
    public async Task DeleteWaitingRemovesAReadyDelayedOrBuriedJobOfItsTubeWhoseBodyIsTheOneAskedForAndNoOther()
    {
        var producer = await ProducerAsync();
        var consumer = await ConsumerAsync();
        var admin = await AdminAsync();
        var t = Tube("t");
        var ready = await Put(producer, t, "build a");
        var delayed = await producer.PutAsync(t, "build b", 10, TimeSpan.FromMinutes(5), LongTtr);
        var held = await Put(producer, Tube("held"), "build c");
        var heldJob = await consumer.ReserveAsync([Tube("held")], TimeSpan.Zero);
        var buried = await Put(producer, Tube("buried"), "build d");
        await (await consumer.ReserveAsync([Tube("buried")], TimeSpan.Zero))!.BuryAsync("test");

        // The wrong body, the wrong tube, a job a consumer holds and an id that is no job are all left alone.
        Assert.Null(await admin.DeleteWaitingAsync(t, ready, body => body == "build z"));
        Assert.Null(await admin.DeleteWaitingAsync(Tube("other"), ready, _ => true));
        Assert.Null(await admin.DeleteWaitingAsync(Tube("held"), held, _ => true));
        Assert.Null(await admin.DeleteWaitingAsync(t, 987_654_321, _ => true));
        Assert.Equal((1L, 0L, 1L), Counts(await admin.StatsTubeAsync(t)));

        Assert.Equal("build a", await admin.DeleteWaitingAsync(t, ready, body => body == "build a"));
        Assert.Equal("build b", await admin.DeleteWaitingAsync(t, delayed, _ => true));
        Assert.Equal("build d", await admin.DeleteWaitingAsync(Tube("buried"), buried, _ => true));
        Assert.Null(await admin.DeleteWaitingAsync(t, ready, _ => true));
        Assert.Equal((0L, 0L, 0L), Counts(await admin.StatsTubeAsync(t)));
        Assert.Equal(0, (await admin.StatsTubeAsync(Tube("buried"))).Buried);
        Assert.True(await heldJob!.DeleteAsync());
    }

    [Fact]
    public async Task AReservationWhoseTtrRunsOutReturnsTheJobToOthersAndItsOldHandleHoldsNothing()
    {
        var producer = await ProducerAsync();
        var owner = await ConsumerAsync();
        var other = await ConsumerAsync();
        var admin = await AdminAsync();
        var id = await producer.PutAsync(Tube("t"), "slow", 10, TimeSpan.Zero, TimeSpan.FromSeconds(1));
        var stale = await owner.ReserveAsync([Tube("t")], TimeSpan.Zero);
        Assert.Null(await other.ReserveAsync([Tube("t")], TimeSpan.Zero));

        await PassTimeAsync(TimeSpan.FromSeconds(1));

        var taken = await Within(other.ReserveAsync([Tube("t")], TimeSpan.FromSeconds(10)));
        Assert.Equal((id, 2), (taken?.Id, taken?.Deliveries));
        Assert.False(await stale!.TouchAsync());
        Assert.False(await stale.ReleaseAsync(TimeSpan.Zero));
        Assert.False(await stale.BuryAsync("too late"));
        Assert.False(await stale.DeleteAsync());
        Assert.Equal(1, (await admin.StatsTubeAsync(Tube("t"))).Reserved);
        Assert.True(await taken!.DeleteAsync());
    }

    [Fact]
    public async Task AJobWhoseTtrRanOutCanStillBeDeletedByItsHolderWhileNobodyElseHasIt()
    {
        var producer = await ProducerAsync();
        var consumer = await ConsumerAsync();
        var admin = await AdminAsync();
        await producer.PutAsync(Tube("t"), "finished late", 10, TimeSpan.Zero, TimeSpan.FromSeconds(1));
        var job = await consumer.ReserveAsync([Tube("t")], TimeSpan.Zero);

        await PassTimeAsync(TimeSpan.FromSeconds(2));

        // Its work is done: deleting it now spares a second build.
        Assert.True(await job!.DeleteAsync());
        Assert.Equal(0, (await admin.StatsTubeAsync(Tube("t"))).Ready);
    }

    [Fact]
    public async Task ATtrBelowOneSecondCountsAsOneSecond()
    {
        var producer = await ProducerAsync();
        var owner = await ConsumerAsync();
        var other = await ConsumerAsync();
        var id = await producer.PutAsync(Tube("t"), "x", 10, TimeSpan.Zero, TimeSpan.Zero);
        var job = await owner.ReserveAsync([Tube("t")], TimeSpan.Zero);

        Assert.Null(await other.ReserveAsync([Tube("t")], TimeSpan.Zero));
        Assert.True(await job!.TouchAsync());
        await PassTimeAsync(TimeSpan.FromSeconds(1));

        Assert.Equal(id, (await Within(other.ReserveAsync([Tube("t")], TimeSpan.FromSeconds(10))))?.Id);
    }

    [Fact]
    public async Task TouchRestartsTheTtr()
    {
        var producer = await ProducerAsync();
        var owner = await ConsumerAsync();
        var other = await ConsumerAsync();
        var admin = await AdminAsync();
        var id = await producer.PutAsync(Tube("t"), "long build", 10, TimeSpan.Zero, TimeSpan.FromSeconds(2));
        var job = await owner.ReserveAsync([Tube("t")], TimeSpan.Zero);

        await PassTimeAsync(TimeSpan.FromSeconds(1));
        Assert.True(await job!.TouchAsync());
        await PassTimeAsync(TimeSpan.FromSeconds(1.5));

        // 2.5 s after the reserve, past the first TTR but not past the touched one.
        Assert.Null(await other.ReserveAsync([Tube("t")], TimeSpan.Zero));
        Assert.Equal(1, (await admin.StatsTubeAsync(Tube("t"))).Reserved);

        await PassTimeAsync(TimeSpan.FromSeconds(1));
        Assert.Equal(id, (await Within(other.ReserveAsync([Tube("t")], TimeSpan.FromSeconds(10))))?.Id);
    }

    [Fact]
    public async Task ADelayedJobIsNotReadyUntilItsDelayPasses()
    {
        var producer = await ProducerAsync();
        var consumer = await ConsumerAsync();
        var admin = await AdminAsync();
        var id = await producer.PutAsync(Tube("t"), "later", 10, TimeSpan.FromSeconds(1), LongTtr);

        Assert.Null(await consumer.ReserveAsync([Tube("t")], TimeSpan.Zero));
        Assert.Equal((0L, 0L, 1L), Counts(await admin.StatsTubeAsync(Tube("t"))));

        var pending = consumer.ReserveAsync([Tube("t")], TimeSpan.FromSeconds(10));
        await PassTimeAsync(TimeSpan.FromSeconds(1));

        Assert.Equal(id, (await Within(pending))?.Id);
    }

    [Fact]
    public async Task ClosingASessionReleasesItsReservedJobsAtOnce()
    {
        var producer = await ProducerAsync();
        var owner = await Factory.OpenConsumerAsync();
        var other = await ConsumerAsync();
        var id = await Put(producer, Tube("t"), "orphan");
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
        var producer = await ProducerAsync();
        var expected = new List<long>();
        for (var i = 0; i < jobs; i++)
        {
            expected.Add(await Put(producer, t, $"job {i}"));
        }
        var consumers = new List<IJobConsumer>();
        for (var i = 0; i < workers; i++)
        {
            consumers.Add(await ConsumerAsync());
        }

        var taken = await Task.WhenAll(consumers.Select(consumer => Task.Run(async () =>
        {
            var mine = new List<long>();
            while (await consumer.ReserveAsync([t], TimeSpan.Zero) is { } job)
            {
                mine.Add(job.Id);
                Assert.True(await job.DeleteAsync());
            }
            return mine;
        })));

        Assert.Equal(expected, taken.SelectMany(ids => ids).Order());
    }

    [Fact]
    public async Task StatsCountJobsByStateAndTheSessionsWatchingTheTube()
    {
        var t = Tube("t");
        var producer = await ProducerAsync();
        var first = await ConsumerAsync();
        var second = await Factory.OpenConsumerAsync();
        var admin = await AdminAsync();
        await Put(producer, t, "1");
        await Put(producer, t, "2");
        await Put(producer, t, "3");
        await producer.PutAsync(t, "4", 10, TimeSpan.FromHours(1), LongTtr);
        await (await first.ReserveAsync([t], TimeSpan.Zero))!.BuryAsync("test");
        await first.ReserveAsync([t], TimeSpan.Zero);

        Assert.Equal(new TubeStats(t, Ready: 1, Reserved: 1, Buried: 1, Delayed: 1, Watching: 1, TotalJobs: 4), await admin.StatsTubeAsync(t));

        await second.ReserveAsync([Tube("elsewhere"), t], TimeSpan.Zero);
        Assert.Equal(new TubeStats(t, Ready: 0, Reserved: 2, Buried: 1, Delayed: 1, Watching: 2, TotalJobs: 4), await admin.StatsTubeAsync(t));

        await second.DisposeAsync();
        Assert.Equal(new TubeStats(t, Ready: 1, Reserved: 1, Buried: 1, Delayed: 1, Watching: 1, TotalJobs: 4), await admin.StatsTubeAsync(t));
    }

    [Fact]
    public async Task StatsOfATubeThatDoesNotExistAreZeros()
    {
        var admin = await AdminAsync();

        Assert.Equal(new TubeStats(Tube("never"), 0, 0, 0, 0, 0, 0), await admin.StatsTubeAsync(Tube("never")));
    }

    [Fact]
    public async Task ListTubesShowsTubesThatHoldJobsOrAreWatched()
    {
        var producer = await ProducerAsync();
        var watcher = await Factory.OpenConsumerAsync();
        var admin = await AdminAsync();
        await Put(producer, Tube("with-job"), "x");
        await watcher.ReserveAsync([Tube("watched")], TimeSpan.Zero);

        var tubes = await admin.ListTubesAsync();
        Assert.Contains(Tube("with-job"), tubes);
        Assert.Contains(Tube("watched"), tubes);

        await watcher.DisposeAsync();
        Assert.DoesNotContain(Tube("watched"), await admin.ListTubesAsync());
    }

    private async Task<T> Track<T>(Task<T> opening)
        where T : IAsyncDisposable
    {
        var session = await opening;
        _sessions.Add(session);
        return session;
    }

    private static Task<long> Put(IJobProducer producer, string tube, string body, uint priority = 10) =>
        producer.PutAsync(tube, body, priority, TimeSpan.Zero, LongTtr);

    private static (long Ready, long Reserved, long Delayed) Counts(TubeStats stats) => (stats.Ready, stats.Reserved, stats.Delayed);
}
