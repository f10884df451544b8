namespace Reimzul.Retry;

/// <summary>
/// How a retry loop waits and when it gives up. The delay starts at <see cref="FirstDelay"/> and doubles after each
/// further failure up to <see cref="MaxDelay"/>; it is never shorter than <see cref="MinimumDelay"/>, because a loop
/// that does not wait burns a whole CPU while a server is down. The loop gives up once <see cref="MaxAttempts"/>
/// attempts have failed and/or once <see cref="GiveUpWithoutProgress"/> has passed without progress; null means never.
/// Each loop keeps its own state in a <see cref="RetrySchedule"/> from <see cref="Start"/>.
/// </summary>
public sealed record RetryPolicy
{
    /// <summary>The shortest delay any policy yields, whatever it was configured with.</summary>
    public static readonly TimeSpan MinimumDelay = TimeSpan.FromMilliseconds(100);

    public RetryPolicy(TimeSpan firstDelay, TimeSpan maxDelay)
    {
        FirstDelay = firstDelay;
        MaxDelay = maxDelay;
    }

    /// <summary>From 500 ms doubling to 30 s, never giving up: for loops that must wait for a service however long it takes.</summary>
    public static RetryPolicy Default { get; } = new(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(30));

    /// <summary>The wait after the first failure (raised to <see cref="MinimumDelay"/> if shorter).</summary>
    public TimeSpan FirstDelay { get; init; }

    /// <summary>The longest wait (raised to the first delay if shorter).</summary>
    public TimeSpan MaxDelay { get; init; }

    /// <summary>Failed attempts, without progress in between, after which the loop gives up; null: no limit.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Less than 1.</exception>
    public int? MaxAttempts
    {
        get;
        init => field = value is null or >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(MaxAttempts), value, "a retry limit must allow at least one attempt");
    }

    /// <summary>Time since the start or the last progress after which a failure makes the loop give up; null: no limit.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Negative.</exception>
    public TimeSpan? GiveUpWithoutProgress
    {
        get;
        init => field = value is null || value.Value >= TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(nameof(GiveUpWithoutProgress), value, "a time without progress cannot be negative");
    }

    /// <summary>
    /// The wait after <paramref name="failures"/> consecutive failures (1 for the first): a pure function, for callers
    /// whose failure count is kept elsewhere (e.g. a job's delivery count in the queue).
    /// </summary>
    public TimeSpan DelayAfter(int failures)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(failures, 1);
        var first = FirstDelay > MinimumDelay ? FirstDelay : MinimumDelay;
        var max = MaxDelay > first ? MaxDelay : first;
        var exponent = Math.Min(failures - 1, 62);
        // first · 2^exponent ≤ max exactly when first ≤ max / 2^exponent; comparing that way cannot overflow.
        return first.Ticks > max.Ticks >> exponent ? max : TimeSpan.FromTicks(first.Ticks << exponent);
    }

    /// <summary>A new loop's state: no failures, and the give-up clock of <paramref name="time"/> starting now.</summary>
    public RetrySchedule Start(TimeProvider time) => new(this, time);
}
