namespace Reimzul.Retry;

/// <summary>
/// One retry loop's state under a <see cref="RetryPolicy"/>: the failures since the last progress, and when that
/// progress was. Made by <see cref="RetryPolicy.Start"/>; one loop's, not to be shared between threads.
/// </summary>
public sealed class RetrySchedule
{
    private readonly TimeProvider _time;
    private DateTimeOffset _lastProgress;

    internal RetrySchedule(RetryPolicy policy, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(time);
        Policy = policy;
        _time = time;
        _lastProgress = time.GetUtcNow();
    }

    public RetryPolicy Policy { get; }

    /// <summary>Failed attempts since the start or the last <see cref="Progressed"/>.</summary>
    public int Failures { get; private set; }

    /// <summary>Records a failed attempt and says how long to wait before the next, or that the loop gives up.</summary>
    public RetryDecision Failed()
    {
        Failures++;
        var now = _time.GetUtcNow();
        var delay = Policy.DelayAfter(Failures);
        string? reason = null;
        if (Policy.MaxAttempts is { } attempts && Failures >= attempts)
        {
            reason = Failures == 1 ? "after 1 try" : $"after {Failures} tries";
        }
        else if (Policy.GiveUpWithoutProgress is { } limit && now - _lastProgress >= limit)
        {
            reason = $"no progress for {(now - _lastProgress).TotalSeconds:0} s";
        }
        return new RetryDecision(Failures, delay, now + delay, reason);
    }

    /// <summary>Something got through (a file arrived, a connection opened): failures and the give-up clock start over.</summary>
    public void Progressed()
    {
        Failures = 0;
        _lastProgress = _time.GetUtcNow();
    }

    /// <summary>
    /// Runs <paramref name="attempt"/> until it succeeds. A failure <paramref name="isWorthRetrying"/> accepts is
    /// recorded, passed to <paramref name="onRetry"/> (to log it) and tried again after the delay; when the schedule
    /// gives up, what <paramref name="giveUp"/> makes of that failure is thrown instead. Other failures, and any failure
    /// once <paramref name="cancellationToken"/> is cancelled, propagate unchanged; the wait ends early on cancellation.
    /// The attempt may call <see cref="Progressed"/> on this schedule when part of its work got through.
    /// </summary>
    public async Task<T> RunAsync<T>(
        Func<CancellationToken, Task<T>> attempt,
        Func<Exception, bool> isWorthRetrying,
        Action<Exception, RetryDecision> onRetry,
        Func<Exception, RetryDecision, Exception> giveUp,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(attempt);
        ArgumentNullException.ThrowIfNull(isWorthRetrying);
        ArgumentNullException.ThrowIfNull(onRetry);
        ArgumentNullException.ThrowIfNull(giveUp);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                return await attempt(cancellationToken);
            }
            // A stop asked for by the caller is never retried, whatever the attempt made of it.
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && isWorthRetrying(ex))
            {
                var decision = Failed();
                if (decision.GivesUp)
                {
                    throw giveUp(ex, decision);
                }
                onRetry(ex, decision);
                await Task.Delay(decision.Delay, _time, cancellationToken);
            }
        }
    }
}
