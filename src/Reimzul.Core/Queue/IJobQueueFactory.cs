namespace Reimzul.Queue;

/// <summary>
/// Opens sessions on the configured queue backend; each role task gets its own. A session is used by one
/// task at a time and is what beanstalkd calls a connection: closing it returns the jobs it reserved.
/// Producers, consumers and operators each get the narrow side they need.
/// </summary>
public interface IJobQueueFactory
{
    Task<IJobProducer> OpenProducerAsync(CancellationToken cancellationToken = default);

    Task<IJobConsumer> OpenConsumerAsync(CancellationToken cancellationToken = default);

    Task<IQueueAdmin> OpenAdminAsync(CancellationToken cancellationToken = default);
}
