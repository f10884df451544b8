namespace Reimzul.Retry;

/// <summary>
/// An exponential back-off schedule. Never yields a zero delay: a retry loop that could spin
/// without waiting would burn a whole CPU while a server is down.
/// </summary>
public sealed class Backoff(TimeSpan initial, TimeSpan maximum)
{
    private int _failures;

    public static Backoff Default() => new(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(30));

    /// <summary>The delay before the next attempt; each call doubles it up to the maximum.</summary>
    public TimeSpan Next()
    {
        var floor = initial > TimeSpan.Zero ? initial : TimeSpan.FromMilliseconds(100);
        var exponent = Math.Min(_failures, 20);
        _failures++;
        var delay = TimeSpan.FromTicks(floor.Ticks * (1L << exponent));
        return delay < maximum ? delay : maximum;
    }

    public void Reset() => _failures = 0;
}
