using System.Diagnostics;
using Reimzul.Queue;
using Reimzul.Queue.Beanstalk;
using Reimzul.Tests.Support;

namespace Reimzul.Tests.Queue.Beanstalk;

/// <summary>A server killed with SIGKILL and started again: the binlog keeps the jobs, sessions carry on by themselves.</summary>
public sealed class BeanstalkdRestartFacts : IAsyncLifetime, IDisposable
{
    private static readonly TimeSpan LongTtr = TimeSpan.FromHours(1);
    private const string T = "t";
    private readonly BeanstalkdServer _server = new();
    private BeanstalkdJobQueueFactory _factory = null!;
    private BeanstalkdJobQueue? _queue;

    public async Task InitializeAsync()
    {
        await _server.InitializeAsync();
        _factory = new BeanstalkdJobQueueFactory(_server.Options with
        {
            ReconnectDelay = TimeSpan.FromMilliseconds(100),
            MaxReconnectDelay = TimeSpan.FromMilliseconds(500),
        });
    }

    public async Task DisposeAsync()
    {
        if (_queue is not null)
        {
            await _queue.DisposeAsync();
        }
        await _server.DisposeAsync();
    }

    public void Dispose() => _server.Dispose();

    [Fact]
    public async Task JobsSurviveAKillAndTheSameSessionCarriesOnAfterTheRestart()
    {
        var queue = await OpenAsync();
        var held = await queue.PutAsync(T, "held at the crash", 10, TimeSpan.Zero, LongTtr);
        var ready = await queue.PutAsync(T, "ready", 10, TimeSpan.Zero, LongTtr);
        var buried = await queue.PutAsync(T, "buried", 5, TimeSpan.Zero, LongTtr);
        var delayed = await queue.PutAsync(T, "delayed", 10, TimeSpan.FromHours(1), LongTtr);
        Assert.Equal(buried, (await queue.ReserveAsync([T], TimeSpan.Zero))?.Id);
        Assert.True(await queue.BuryAsync(buried, 5));
        Assert.Equal(held, (await queue.ReserveAsync([T], TimeSpan.Zero))?.Id);

        await _server.KillAsync();
        await _server.StartAsync();

        // The reservation died with the server's process: the job is ready again, and no longer ours.
        Assert.Equal(new TubeStats(T, Ready: 2, Reserved: 0, Buried: 1, Delayed: 1, Watching: 0, TotalJobs: 0), await queue.StatsTubeAsync(T));
        Assert.Equal(1, ((BeanstalkdJobQueue)queue).Reconnects);
        Assert.False(await queue.TouchAsync(held));
        Assert.False(await queue.ReleaseAsync(held, 10, TimeSpan.Zero));
        Assert.False(await queue.BuryAsync(held, 10));
        JobAssert.Is(held, T, 10, "held at the crash", await queue.ReserveAsync([T], TimeSpan.Zero));
        JobAssert.Is(ready, T, 10, "ready", await queue.ReserveAsync([T], TimeSpan.Zero));
        Assert.Equal(1, await queue.KickAsync(T, 10));
        JobAssert.Is(buried, T, 5, "buried", await queue.ReserveAsync([T], TimeSpan.Zero));
        Assert.True(await queue.PutAsync(T, "after", 10, TimeSpan.Zero, LongTtr) > delayed, "ids keep growing across the restart");
        Assert.Equal(1, ((BeanstalkdJobQueue)queue).Reconnects);
    }

    [Fact]
    public async Task WhileTheServerIsDownCallsFailQuicklySayingSoAndTheSessionComesBackWithIt()
    {
        var queue = await OpenAsync();
        await queue.PutAsync(T, "before", 10, TimeSpan.Zero, LongTtr);

        await _server.KillAsync();
        var stopwatch = Stopwatch.StartNew();
        var down = await Assert.ThrowsAsync<BeanstalkConnectionException>(() => queue.PutAsync(T, "x", 10, TimeSpan.Zero, LongTtr));
        var again = await Assert.ThrowsAsync<BeanstalkConnectionException>(() => queue.StatsTubeAsync(T));
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(5), $"failing took {stopwatch.Elapsed}");
        Assert.Contains($"cannot connect to beanstalkd at 127.0.0.1:{_server.Port}", down.Message, StringComparison.Ordinal);
        Assert.Contains("tries again in", again.Message, StringComparison.Ordinal);

        await _server.StartAsync();
        var stats = await EventuallyAsync(() => queue.StatsTubeAsync(T));
        Assert.Equal(1, stats.Ready);
        Assert.Equal("before", (await queue.ReserveAsync([T], TimeSpan.Zero))?.Body);
    }

    [Fact]
    public async Task AReserveWaitingWhenTheServerDiesFailsInsteadOfHanging()
    {
        var queue = await OpenAsync();
        var pending = queue.ReserveAsync([T], TimeSpan.FromSeconds(60));
        await Eventually.WaitAsync(async () => (await StatsFromAnotherSessionAsync()).Watching == 1, TimeSpan.FromSeconds(10), () => "the pending reserve did not show as watching within 10 s");

        await _server.KillAsync();

        var error = await Assert.ThrowsAsync<BeanstalkConnectionException>(() => pending.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Contains("lost", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpeningASessionWhileTheServerIsDownFailsNamingIt()
    {
        await _server.KillAsync();

        var error = await Assert.ThrowsAsync<BeanstalkConnectionException>(() => _factory.OpenSessionAsync());

        Assert.Equal(BeanstalkError.ConnectFailed, error.Error);
        Assert.Contains($"127.0.0.1:{_server.Port}", error.Message, StringComparison.Ordinal);
    }

    private async Task<BeanstalkdJobQueue> OpenAsync() => _queue = await _factory.OpenSessionAsync();

    private async Task<TubeStats> StatsFromAnotherSessionAsync()
    {
        await using var other = await _factory.OpenSessionAsync();
        return await other.StatsTubeAsync(T);
    }

    // Calls fail until the session's back-off lets it reconnect; a bounded wait, not a fixed one.
    private static async Task<TResult> EventuallyAsync<TResult>(Func<Task<TResult>> call)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return await call();
            }
            catch (BeanstalkConnectionException) when (deadline.Elapsed < TimeSpan.FromSeconds(10))
            {
            }
        }
    }
}
