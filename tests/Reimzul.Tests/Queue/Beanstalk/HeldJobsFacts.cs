using Reimzul.Queue.Beanstalk;
using Reimzul.Tests.Support;

namespace Reimzul.Tests.Queue.Beanstalk;

/// <summary>
/// The reminder that makes beanstalkd 1.12 notice a TTR it missed comes when a held job's TTR (and a margin) has
/// passed, not before, and only for a job still held. On a test clock, whose timers fire inside Advance.
/// </summary>
public sealed class HeldJobsFacts : IDisposable
{
    private static readonly TimeSpan Ttr = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Moment = TimeSpan.FromMilliseconds(1);
    private readonly ManualTimeProvider _clock = new();
    private readonly HeldJobs _held;
    private int _reminders;

    public HeldJobsFacts()
    {
        _held = new HeldJobs(_clock, () => _reminders++);
    }

    public void Dispose() => _held.Dispose();

    [Fact]
    public void TheReminderComesOneTtrAndItsMarginAfterTheReservationNotBefore()
    {
        _held.Reserved(1, Ttr);

        _clock.Advance(Ttr + HeldJobs.Margin - Moment);
        Assert.Equal(0, _reminders);

        _clock.Advance(Moment);
        Assert.Equal(1, _reminders);

        _clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(1, _reminders);
    }

    [Fact]
    public void ATouchPushesTheReminderBackByAWholeTtr()
    {
        _held.Reserved(1, Ttr);
        _clock.Advance(TimeSpan.FromSeconds(4));

        _held.Touched(1);
        _clock.Advance(Ttr + HeldJobs.Margin - Moment);
        Assert.Equal(0, _reminders);

        _clock.Advance(Moment);
        Assert.Equal(1, _reminders);
    }

    [Fact]
    public void AJobDoneIsNeverReminded()
    {
        _held.Reserved(1, Ttr);
        _held.Done(1);

        _clock.Advance(TimeSpan.FromHours(1));

        Assert.Equal(0, _reminders);
    }

    [Fact]
    public void AJobDoneLeavesTheReminderOfTheOthersAtTheirOwnTime()
    {
        _held.Reserved(1, Ttr);
        _held.Reserved(2, Ttr * 2);
        _held.Done(1);

        _clock.Advance(Ttr * 2 + HeldJobs.Margin - Moment);
        Assert.Equal(0, _reminders);

        _clock.Advance(Moment);
        Assert.Equal(1, _reminders);
    }

    [Fact]
    public void JobsClearedWithTheirConnectionAreNeverReminded()
    {
        _held.Reserved(1, Ttr);
        _held.Reserved(2, Ttr * 2);
        _held.Clear();

        _clock.Advance(TimeSpan.FromHours(1));

        Assert.Equal(0, _reminders);
    }

    [Fact]
    public void OneReminderCoversEveryJobDueAtOnceAndTheNextComesAtTheNextTtr()
    {
        _held.Reserved(1, Ttr);
        _held.Reserved(2, Ttr);
        _held.Reserved(3, Ttr);
        _held.Reserved(4, Ttr * 2);

        // One command on the connection makes the server look at every reservation it holds.
        _clock.Advance(Ttr + HeldJobs.Margin);
        Assert.Equal(1, _reminders);

        _clock.Advance(Ttr - Moment);
        Assert.Equal(1, _reminders);

        _clock.Advance(Moment);
        Assert.Equal(2, _reminders);

        _clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(2, _reminders);
    }

    [Fact]
    public void TouchingAJobNotHeldChangesNothing()
    {
        _held.Touched(1);
        _held.Reserved(2, Ttr);
        _clock.Advance(Ttr + HeldJobs.Margin);
        _held.Touched(2);

        _clock.Advance(TimeSpan.FromHours(1));

        Assert.Equal(1, _reminders);
    }
}
