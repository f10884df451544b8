using Reimzul.Messages;
using Reimzul.Queue;

namespace Reimzul.Tests.Support;

/// <summary>
/// A real queue whose puts on <c>notify</c> of a chosen status fail a chosen number of times, as when beanstalkd goes
/// away between a stored result and its announcement. Everything else reaches the queue it wraps.
/// </summary>
public sealed class FlakyNotifyQueues(IJobQueueFactory inner, string failingStatus, int failures) : IJobQueueFactory
{
    private int _remaining = failures;
    private int _failed;

    /// <summary>Puts refused so far.</summary>
    public int Failed => Volatile.Read(ref _failed);

    public async Task<IJobProducer> OpenProducerAsync(CancellationToken cancellationToken = default) =>
        new Producer(this, await inner.OpenProducerAsync(cancellationToken));

    public Task<IJobConsumer> OpenConsumerAsync(CancellationToken cancellationToken = default) => inner.OpenConsumerAsync(cancellationToken);

    public Task<IQueueAdmin> OpenAdminAsync(CancellationToken cancellationToken = default) => inner.OpenAdminAsync(cancellationToken);

    private bool ShouldFail(string tube, string body)
    {
        if (tube != Tubes.Notify || !MessageJson.TryParseBuildEvent(body, out var ev, out _) || ev.Status != failingStatus)
        {
            return false;
        }
        if (Interlocked.Decrement(ref _remaining) < 0)
        {
            return false;
        }
        Interlocked.Increment(ref _failed);
        return true;
    }

    private sealed class Producer(FlakyNotifyQueues owner, IJobProducer inner) : IJobProducer
    {
        public Task<long> PutAsync(string tube, string body, uint priority, TimeSpan delay, TimeSpan ttr, CancellationToken cancellationToken = default) =>
            owner.ShouldFail(tube, body)
                ? Task.FromException<long>(new IOException("beanstalkd: connection reset by peer"))
                : inner.PutAsync(tube, body, priority, delay, ttr, cancellationToken);

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
