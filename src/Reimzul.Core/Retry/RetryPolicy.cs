namespace Reimzul.Retry;

/// <summary>Exponential back-off that never reaches a zero delay.</summary>
public sealed record RetryPolicy(TimeSpan InitialDelay, TimeSpan MaxDelay)
{
    public static RetryPolicy Default { get; } = new(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(30));

    /// <summary>The wait after the <paramref name="failures"/>th failure in a row (1 = the first).</summary>
    public TimeSpan DelayAfter(int failures)
    {
        var floor = InitialDelay > TimeSpan.FromMilliseconds(100) ? InitialDelay : TimeSpan.FromMilliseconds(100);
        var exponent = Math.Clamp(failures - 1, 0, 20);
        var delay = TimeSpan.FromTicks(floor.Ticks * (1L << exponent));
        return delay < MaxDelay ? delay : MaxDelay;
    }

    public RetrySchedule Start(TimeProvider time) => new(this);
}

public sealed class RetrySchedule(RetryPolicy policy)
{
    private int _failures;

    public bool TryNext(out TimeSpan delay)
    {
        delay = policy.DelayAfter(++_failures);
        return true;
    }

    public void Progressed() => _failures = 0;
}
