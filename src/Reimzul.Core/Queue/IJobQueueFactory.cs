namespace Reimzul.Queue;

/// <summary>Opens sessions on the configured queue backend; each role task gets its own session.</summary>
public interface IJobQueueFactory
{
    Task<IJobQueue> OpenAsync(CancellationToken cancellationToken = default);
}
