using Microsoft.Extensions.Logging;
using Reimzul.Messages;
using Reimzul.Processing;
using Reimzul.Queue;

namespace Reimzul.Signing;

/// <summary>The signer role: consumes <c>tosign</c> and copies finished RPMs to the staging area.</summary>
public sealed class SignerService(
    IJobQueueFactory queues,
    Signer signer,
    ILogger<SignerService> logger,
    TimeProvider time) : QueueConsumer(queues, logger, time)
{
    protected override IReadOnlyCollection<string> WatchedTubes { get; } = [Tubes.Tosign];

    protected override async Task<JobDisposition> HandleAsync(IReservedJob job, CancellationToken stoppingToken)
    {
        if (!MessageJson.TryParseTosignRequest(job.Body, out var request, out var error))
        {
            return JobDisposition.Bury(error);
        }
        try
        {
            // The signer logs what it staged; a build dir that is missing is reported there too.
            await signer.StageAsync(request, stoppingToken);
        }
        catch (ArgumentException ex)
        {
            return JobDisposition.Bury(ex.Message);
        }
        return JobDisposition.Delete;
    }
}
