using System.Diagnostics.CodeAnalysis;

namespace Reimzul.Retry;

/// <summary>What a <see cref="RetrySchedule"/> says after a failure: wait <see cref="Delay"/> and try again, or give up.</summary>
/// <param name="Failures">Failed attempts since the start or the last progress, this one included.</param>
/// <param name="Delay">The back-off delay; never zero, even when the schedule gives up, so a caller that ignores <see cref="GivesUp"/> still does not spin.</param>
/// <param name="RetryAt">When the next attempt is due: the failure's time plus <see cref="Delay"/>.</param>
/// <param name="GiveUpReason">Why the loop should stop, for a message ("after 10 tries", "no progress for 900 s"); null to go on.</param>
public sealed record RetryDecision(int Failures, TimeSpan Delay, DateTimeOffset RetryAt, string? GiveUpReason)
{
    [MemberNotNullWhen(true, nameof(GiveUpReason))]
    public bool GivesUp => GiveUpReason is not null;
}
