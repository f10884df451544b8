using Reimzul.Retry;


namespace Reimzul.Tests.Retry;

public sealed class BackoffFacts
{
    [Fact]
    public void WhenFailuresRepeatTheIntervalDoublesUpToTheMaximum()
    {
        var backoff = new Backoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10));
        var delays = Enumerable.Range(0, 6).Select(_ => backoff.Next().TotalSeconds).ToArray();
        Assert.Equal([1, 2, 4, 8, 10, 10], delays);
    }

    [Fact]
    public void AZeroInitialDelayStillWaits()
    {
        var backoff = new Backoff(TimeSpan.Zero, TimeSpan.FromSeconds(1));
        Assert.True(backoff.Next() > TimeSpan.Zero);
    }

    [Fact]
    public void ResetStartsOverFromTheInitialDelay()
    {
        var backoff = new Backoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10));
        backoff.Next();
        backoff.Next();
        backoff.Reset();
        Assert.Equal(TimeSpan.FromSeconds(1), backoff.Next());
    }

    [Fact]
    public void ManyFailuresNeverOverflowPastTheMaximum()
    {
        var backoff = new Backoff(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1));
        for (var i = 0; i < 100; i++)
        {
            backoff.Next();
        }
        Assert.Equal(TimeSpan.FromMinutes(1), backoff.Next());
    }
}
