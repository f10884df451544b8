using Reimzul.Retry;
using Reimzul.Tests.Support;

namespace Reimzul.Tests.Retry;

public sealed class RetryPolicyFacts
{
    private static readonly RetryPolicy OneToTen = new(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10));

    private static double[] Delays(RetrySchedule schedule, int count) =>
        Enumerable.Range(0, count).Select(_ => schedule.Failed().Delay.TotalSeconds).ToArray();

    [Fact]
    public void WhenFailuresRepeatTheDelayDoublesUpToTheMaximum()
    {
        var schedule = OneToTen.Start(new ManualTimeProvider());

        Assert.Equal([1, 2, 4, 8, 10, 10], Delays(schedule, 6));
    }

    [Fact]
    public void DelayAfterAFailureCountIsTheScheduleDelayOfThatFailure()
    {
        var schedule = OneToTen.Start(new ManualTimeProvider());
        var fromSchedule = Delays(schedule, 8);

        Assert.Equal(fromSchedule, Enumerable.Range(1, 8).Select(n => OneToTen.DelayAfter(n).TotalSeconds));
    }

    [Fact]
    public void DelayAfterNoFailureIsRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => OneToTen.DelayAfter(0));
    }

    [Fact]
    public void AZeroOrTinyFirstDelayStillWaitsTheMinimum()
    {
        Assert.Equal(RetryPolicy.MinimumDelay, new RetryPolicy(TimeSpan.Zero, TimeSpan.FromSeconds(1)).DelayAfter(1));
        Assert.Equal(RetryPolicy.MinimumDelay, new RetryPolicy(TimeSpan.FromTicks(1), TimeSpan.Zero).DelayAfter(5));
        Assert.Equal(RetryPolicy.MinimumDelay, new RetryPolicy(TimeSpan.FromSeconds(-3), TimeSpan.FromSeconds(-1)).DelayAfter(1));
        Assert.True(RetryPolicy.MinimumDelay > TimeSpan.Zero);
    }

    [Fact]
    public void AMaximumBelowTheFirstDelayKeepsTheFirstDelay()
    {
        var policy = new RetryPolicy(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(1));

        Assert.Equal([5, 5, 5], Enumerable.Range(1, 3).Select(n => policy.DelayAfter(n).TotalSeconds));
    }

    [Fact]
    public void ManyFailuresNeverOverflowPastTheMaximum()
    {
        var capped = new RetryPolicy(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1));
        var unbounded = new RetryPolicy(TimeSpan.FromSeconds(1), TimeSpan.MaxValue);
        var schedule = capped.Start(new ManualTimeProvider());
        for (var i = 0; i < 100; i++)
        {
            schedule.Failed();
        }

        Assert.Equal(TimeSpan.FromMinutes(1), schedule.Failed().Delay);
        Assert.Equal(TimeSpan.FromMinutes(1), capped.DelayAfter(int.MaxValue));
        Assert.Equal(TimeSpan.FromSeconds(1L << 30), unbounded.DelayAfter(31));
        Assert.Equal(TimeSpan.MaxValue, unbounded.DelayAfter(int.MaxValue));
    }

    [Fact]
    public void APolicyWithoutLimitsNeverGivesUp()
    {
        var time = new ManualTimeProvider();
        var schedule = OneToTen.Start(time);

        for (var i = 0; i < 1000; i++)
        {
            time.Advance(TimeSpan.FromHours(1));
            Assert.False(schedule.Failed().GivesUp);
        }
    }

    [Fact]
    public void AfterTheAllowedAttemptsHaveFailedTheScheduleGivesUp()
    {
        var schedule = (OneToTen with { MaxAttempts = 3 }).Start(new ManualTimeProvider());

        var first = schedule.Failed();
        var second = schedule.Failed();
        var third = schedule.Failed();

        Assert.False(first.GivesUp);
        Assert.False(second.GivesUp);
        Assert.True(third.GivesUp);
        Assert.Equal("after 3 tries", third.GiveUpReason);
        Assert.Equal(3, third.Failures);
    }

    [Fact]
    public void OneAllowedAttemptGivesUpAtTheFirstFailure()
    {
        var decision = (OneToTen with { MaxAttempts = 1 }).Start(new ManualTimeProvider()).Failed();

        Assert.Equal("after 1 try", decision.GiveUpReason);
        Assert.True(decision.Delay > TimeSpan.Zero);
    }

    [Fact]
    public void AfterTheAllowedTimeWithoutProgressTheScheduleGivesUp()
    {
        var time = new ManualTimeProvider();
        var schedule = (OneToTen with { GiveUpWithoutProgress = TimeSpan.FromMinutes(15) }).Start(time);

        time.Advance(TimeSpan.FromMinutes(14));
        var early = schedule.Failed();
        time.Advance(TimeSpan.FromMinutes(1));
        var late = schedule.Failed();

        Assert.False(early.GivesUp);
        Assert.True(late.GivesUp);
        Assert.Equal("no progress for 900 s", late.GiveUpReason);
    }

    [Fact]
    public void ProgressResetsTheFailuresAndTheGiveUpClock()
    {
        var time = new ManualTimeProvider();
        var schedule = (OneToTen with { MaxAttempts = 3, GiveUpWithoutProgress = TimeSpan.FromMinutes(10) }).Start(time);
        schedule.Failed();
        schedule.Failed();
        time.Advance(TimeSpan.FromMinutes(9));

        schedule.Progressed();
        time.Advance(TimeSpan.FromMinutes(9));

        Assert.Equal(0, schedule.Failures);
        var decision = schedule.Failed();
        Assert.False(decision.GivesUp);
        Assert.Equal(TimeSpan.FromSeconds(1), decision.Delay);
        Assert.False(schedule.Failed().GivesUp);
        Assert.Equal("after 3 tries", schedule.Failed().GiveUpReason);
    }

    [Fact]
    public void TheNextAttemptIsDueOneDelayAfterTheFailure()
    {
        var time = new ManualTimeProvider();
        var schedule = OneToTen.Start(time);
        time.Advance(TimeSpan.FromSeconds(42));

        schedule.Failed();
        var second = schedule.Failed();

        Assert.Equal(time.GetUtcNow() + TimeSpan.FromSeconds(2), second.RetryAt);
    }

    [Fact]
    public void LimitsThatAllowNoAttemptAreRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => OneToTen with { MaxAttempts = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => OneToTen with { GiveUpWithoutProgress = TimeSpan.FromSeconds(-1) });
    }

    [Fact]
    public async Task RunRetriesWhatIsWorthRetryingUntilTheAttemptSucceeds()
    {
        var clock = new SteppedClock();
        var attempts = 0;
        var retries = new List<(string Error, TimeSpan Delay)>();

        var running = OneToTen.Start(clock).RunAsync(
            _ => ++attempts < 3 ? Task.FromException<int>(new IOException($"down {attempts}")) : Task.FromResult(attempts),
            ex => ex is IOException,
            (ex, decision) => retries.Add((ex.Message, decision.Delay)),
            (ex, _) => ex,
            CancellationToken.None);
        await clock.WaitStartedAsync();
        Assert.False(running.IsCompleted);
        clock.Advance(TimeSpan.FromSeconds(1));
        await clock.WaitStartedAsync();
        clock.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal(3, await running);
        Assert.Equal([("down 1", TimeSpan.FromSeconds(1)), ("down 2", TimeSpan.FromSeconds(2))], retries);
    }

    [Fact]
    public async Task RunLetsAFailureNotWorthRetryingThroughAtOnce()
    {
        var attempts = 0;

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => OneToTen.Start(new ManualTimeProvider()).RunAsync<int>(
            _ => { attempts++; throw new InvalidOperationException("broken"); },
            ex => ex is IOException,
            (_, _) => Assert.Fail("a failure not worth retrying was retried"),
            (ex, _) => ex,
            CancellationToken.None));

        Assert.Equal("broken", error.Message);
        Assert.Equal(1, attempts);
    }

    [Fact]
    public async Task WhenTheScheduleGivesUpRunThrowsWhatGiveUpMakesOfTheLastFailure()
    {
        var clock = new SteppedClock();
        var attempts = 0;

        var running = (OneToTen with { MaxAttempts = 3 }).Start(clock).RunAsync<int>(
            _ => Task.FromException<int>(new IOException($"down {++attempts}")),
            ex => ex is IOException,
            (_, _) => { },
            (ex, decision) => new HttpRequestException($"gave up {decision.GiveUpReason}: {ex.Message}", ex),
            CancellationToken.None);
        var error = await Assert.ThrowsAsync<HttpRequestException>(() => clock.DriveAsync(running, TimeSpan.FromSeconds(10)));

        Assert.Equal("gave up after 3 tries: down 3", error.Message);
        Assert.IsType<IOException>(error.InnerException);
    }

    [Fact]
    public async Task ACancellationOfTheCallersTokenIsNeverRetried()
    {
        using var stop = new CancellationTokenSource();
        var attempts = 0;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => OneToTen.Start(new ManualTimeProvider()).RunAsync<int>(
            async ct =>
            {
                attempts++;
                await stop.CancelAsync();
                ct.ThrowIfCancellationRequested();
                return 0;
            },
            _ => true,
            (_, _) => Assert.Fail("the caller's cancellation was retried"),
            (ex, _) => ex,
            stop.Token));

        Assert.Equal(1, attempts);
    }

    [Fact]
    public async Task ATimeoutThatIsNotTheCallersIsRetriedWhenThePredicateSaysSo()
    {
        var clock = new SteppedClock();
        var attempts = 0;

        var running = OneToTen.Start(clock).RunAsync(
            _ => ++attempts == 1 ? Task.FromException<int>(new TaskCanceledException("request timed out")) : Task.FromResult(attempts),
            ex => ex is OperationCanceledException,
            (_, _) => { },
            (ex, _) => ex,
            CancellationToken.None);
        await clock.DriveAsync(running, TimeSpan.FromSeconds(1));

        Assert.Equal(2, await running);
    }

    [Fact]
    public async Task AStopWhileWaitingEndsTheLoopWithoutAnotherAttempt()
    {
        var clock = new SteppedClock();
        using var stop = new CancellationTokenSource();
        var attempts = 0;

        var running = OneToTen.Start(clock).RunAsync<int>(
            _ => Task.FromException<int>(new IOException($"down {++attempts}")),
            _ => true,
            (_, _) => { },
            (ex, _) => ex,
            stop.Token);
        await clock.WaitStartedAsync();
        await stop.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        Assert.Equal(1, attempts);
    }
}
