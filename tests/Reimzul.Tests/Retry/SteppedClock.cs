using System.Collections.Concurrent;
using System.Threading.Channels;
using Reimzul.Tests.Support;

namespace Reimzul.Tests.Retry;

/// <summary>
/// A <see cref="ManualTimeProvider"/> that tells a test when the code under test starts waiting on it, so the test
/// moves the clock only once the wait is armed (a retry loop logs, then waits: the log line alone would be a race).
/// Timers due in an <see cref="Advance"/> fire once the clock has reached the new time, so code they resume sees
/// that time however soon it reads the clock.
/// </summary>
internal sealed class SteppedClock : TimeProvider
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly ManualTimeProvider _inner = new();
    private readonly Channel<bool> _waits = Channel.CreateUnbounded<bool>();
    private readonly ConcurrentQueue<Action> _due = new();

    public override DateTimeOffset GetUtcNow() => _inner.GetUtcNow();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = _inner.CreateTimer(s => _due.Enqueue(() => callback(s)), state, dueTime, period);
        _waits.Writer.TryWrite(true);
        return timer;
    }

    public void Advance(TimeSpan by)
    {
        _inner.Advance(by);
        while (_due.TryDequeue(out var fire))
        {
            fire();
        }
    }

    /// <summary>Completes when a wait (a timer) has been started since the last one was seen; throws after 30 s without one.</summary>
    public async Task WaitStartedAsync()
    {
        using var patience = new CancellationTokenSource(Patience);
        try
        {
            await _waits.Reader.ReadAsync(patience.Token);
        }
        catch (OperationCanceledException) when (patience.IsCancellationRequested)
        {
            throw new TimeoutException("nothing started waiting on the clock within 30 s");
        }
    }

    /// <summary>Moves the clock by <paramref name="step"/> each time <paramref name="task"/> starts waiting, until it ends; then awaits it.</summary>
    public async Task DriveAsync(Task task, TimeSpan step)
    {
        while (!task.IsCompleted)
        {
            using var patience = new CancellationTokenSource(Patience);
            var waiting = _waits.Reader.WaitToReadAsync(patience.Token).AsTask();
            if (await Task.WhenAny(task, waiting) != waiting)
            {
                break;
            }
            if (!waiting.IsCompletedSuccessfully || !_waits.Reader.TryRead(out _))
            {
                throw new TimeoutException("the task neither ended nor started waiting on the clock within 30 s");
            }
            Advance(step);
        }
        await task;
    }
}
