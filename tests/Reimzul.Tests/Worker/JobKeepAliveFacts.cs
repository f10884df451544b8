using Microsoft.Extensions.Logging;
using Reimzul.Queue;
using Reimzul.Queue.Embedded;
using Reimzul.Tests.Retry;
using Reimzul.Tests.Support;
using Reimzul.Worker;

namespace Reimzul.Tests.Worker;

/// <summary>A long build keeps its job: on the real embedded queue, with both clocks moved by the test.</summary>
public sealed class JobKeepAliveFacts : IAsyncLifetime, IDisposable
{
    private const string Tube = "x86_64";
    private static readonly TimeSpan Ttr = TimeSpan.FromSeconds(30);

    private readonly TempDir _dir = new("reimzul-keepalive");
    private readonly ManualTimeProvider _queueClock = new();
    // The worker's clock says when the keep-alive starts waiting, so the test moves time only once the next touch is armed.
    private readonly SteppedClock _workerClock = new();
    private readonly ListLogger _logger = new();
    private readonly EmbeddedJobQueueFactory _queues;
    private IJobProducer _producer = null!;
    private IJobConsumer _owner = null!;
    private IJobConsumer _other = null!;

    public JobKeepAliveFacts() => _queues = new EmbeddedJobQueueFactory(_dir.Combine("queue.db"), _queueClock);

    public async Task InitializeAsync()
    {
        _producer = await _queues.OpenProducerAsync();
        _owner = await _queues.OpenConsumerAsync();
        _other = await _queues.OpenConsumerAsync();
    }

    public async Task DisposeAsync()
    {
        await _other.DisposeAsync();
        await _owner.DisposeAsync();
        await _producer.DisposeAsync();
    }

    public void Dispose() => _dir.Dispose();

    /// <summary>Both clocks move together, the queue's first: a touch made when the worker's fires sees the new time.</summary>
    private void PassTime(TimeSpan by)
    {
        _queueClock.Advance(by);
        _workerClock.Advance(by);
    }

    private async Task<IReservedJob> ReserveAsync()
    {
        await _producer.PutAsync(Tube, """{"srpm":"slow-1.0-1.src.rpm"}""", 8192, TimeSpan.Zero, Ttr);
        var job = await _owner.ReserveAsync([Tube], TimeSpan.Zero);
        Assert.NotNull(job);
        return job;
    }

    private async Task<IReservedJob?> OtherConsumerTakesAsync() => await _other.ReserveAsync([Tube], TimeSpan.Zero);

    [Fact]
    public async Task WhileItRunsTheJobIsTouchedEveryThirdOfItsTtrAndNoOtherConsumerGetsItForSeveralTtrs()
    {
        var job = await ReserveAsync();

        await using (new JobKeepAlive(job, Ttr, _workerClock, _logger))
        {
            for (var third = 0; third < 9; third++)
            {
                // A new wait is armed only once the touch before it is done.
                await _workerClock.WaitStartedAsync();
                Assert.Null(await OtherConsumerTakesAsync());
                PassTime(Ttr / 3);
            }
            await _workerClock.WaitStartedAsync();
            Assert.Null(await OtherConsumerTakesAsync());
        }

        await using var admin = await _queues.OpenAdminAsync();
        Assert.Equal(1, (await admin.StatsTubeAsync(Tube)).Reserved);
        Assert.Equal(0, _logger.Count(LogLevel.Warning));
    }

    [Fact]
    public async Task OnceDisposedTheTouchesStopAndTheJobComesBackOneTtrAfterTheLastTouch()
    {
        var job = await ReserveAsync();
        var keepAlive = new JobKeepAlive(job, Ttr, _workerClock, _logger);
        for (var third = 0; third < 3; third++)
        {
            await _workerClock.WaitStartedAsync();
            PassTime(Ttr / 3);
        }
        // Armed again: the touch at this moment is done.
        await _workerClock.WaitStartedAsync();

        await keepAlive.DisposeAsync();
        PassTime(Ttr - TimeSpan.FromMilliseconds(1));
        Assert.Null(await OtherConsumerTakesAsync());
        PassTime(TimeSpan.FromMilliseconds(1));
        var back = await OtherConsumerTakesAsync();

        Assert.Equal((job.Id, 2), (back?.Id, back?.Deliveries));
        Assert.False(await job.TouchAsync());
    }
}
