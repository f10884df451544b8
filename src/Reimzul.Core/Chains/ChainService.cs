using Microsoft.Extensions.Logging;
using Reimzul.Processing;
using Reimzul.Queue;

namespace Reimzul.Chains;

/// <summary>
/// The chain role: takes chain jobs from the <c>chain</c> tube and moves each on (<see cref="ChainRunner"/>); a chain
/// still under way goes back to the queue for <see cref="RecheckDelay"/>, so it lives in the durable queue, not in
/// this process, and any restart picks it up where the history and the repodata say it stands.
/// </summary>
public sealed class ChainService(IJobQueueFactory queues, ChainRunner runner, ILogger<ChainService> logger, TimeProvider time)
    : QueueConsumer(queues, logger, time)
{
    /// <summary>How long a waiting chain rests before it is looked at again.</summary>
    public static readonly TimeSpan RecheckDelay = TimeSpan.FromSeconds(1);

    protected override IReadOnlyCollection<string> WatchedTubes { get; } = [ChainJob.Tube];

    protected override async Task<JobDisposition> HandleAsync(IReservedJob job, CancellationToken stoppingToken)
    {
        if (!ChainJob.TryRead(job.Body, out var chain, out var error))
        {
            return JobDisposition.Bury(error);
        }
        try
        {
            return await runner.AdvanceAsync(chain, stoppingToken) == ChainStep.Waiting
                ? JobDisposition.Release(RecheckDelay, "chain waiting")
                : JobDisposition.Delete;
        }
        catch (Submit.SubmitRefusedException ex)
        {
            // An SRPM of the next group became unusable (removed from incoming): the chain can never go on.
            return JobDisposition.Bury($"chain {chain.ChainId}: {ex.Message}");
        }
    }
}
