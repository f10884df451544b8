using System.Diagnostics;
using Reimzul.Queue.Beanstalk;

namespace Reimzul.Tests.Queue.Beanstalk;

/// <summary>The reminder that makes beanstalkd 1.12 notice a TTR it missed comes when a held job's TTR has passed, not before.</summary>
public sealed class HeldJobsFacts
{
    [Fact]
    public async Task TheReminderComesOneTtrAfterTheReservation()
    {
        var reminded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var held = new HeldJobs(() => reminded.TrySetResult());
        var stopwatch = Stopwatch.StartNew();

        held.Reserved(1, TimeSpan.FromMilliseconds(200));

        await reminded.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.True(stopwatch.Elapsed >= TimeSpan.FromMilliseconds(200), $"reminded after {stopwatch.Elapsed.TotalMilliseconds:F0} ms");
    }

    [Fact]
    public async Task AJobDoneOrTouchedIsNotRemindedAtItsOldDeadline()
    {
        var reminded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var held = new HeldJobs(() => reminded.TrySetResult());
        var stopwatch = Stopwatch.StartNew();

        held.Reserved(1, TimeSpan.FromMilliseconds(100));
        held.Done(1);
        held.Reserved(2, TimeSpan.FromMilliseconds(100));
        await Task.Delay(50);
        held.Touched(2);

        await reminded.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.True(stopwatch.Elapsed >= TimeSpan.FromMilliseconds(150), $"reminded after {stopwatch.Elapsed.TotalMilliseconds:F0} ms");
    }
}
