using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Reimzul.Config;
using Reimzul.Messages;
using Reimzul.Queue;

namespace Reimzul.Submit;

/// <summary>
/// The one submit, local or on the controller: checks the order, reads the header of the SRPM in the incoming dir and
/// queues its build job on the arch's tube. The SRPM must already be in incoming; a path is refused here.
/// </summary>
public sealed class BuildSubmitter
{
    private readonly IJobQueueFactory _queues;
    private readonly TimeSpan _ttr;
    private readonly ILogger _logger;

    /// <param name="incoming">The incoming dir the SRPMs are named in.</param>
    /// <param name="ttr">The time to run of a build job (<c>[builder] ttr</c>).</param>
    public BuildSubmitter(string incoming, IJobQueueFactory queues, TimeSpan ttr, ILogger? logger = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(incoming);
        ArgumentNullException.ThrowIfNull(queues);
        Incoming = incoming;
        _queues = queues;
        _ttr = ttr;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>Submits to the configured incoming dir with the configured job TTR.</summary>
    public static BuildSubmitter Create(ReimzulConfig config, IJobQueueFactory queues, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new BuildSubmitter(config.Paths.Incoming, queues, config.Builder.JobTtr, logger);
    }

    public string Incoming { get; }

    /// <summary>Queues the build of <paramref name="order"/>'s SRPM, a name in <see cref="Incoming"/>, by <paramref name="submitter"/>.</summary>
    /// <exception cref="SubmitRefusedException">The order is wrong; nothing was queued.</exception>
    /// <exception cref="SubmitUnavailableException">The queue cannot be reached; nothing was queued.</exception>
    public async Task<SubmitReceipt> SubmitAsync(SubmitOrder order, string submitter, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(order);
        ArgumentNullException.ThrowIfNull(submitter);
        SubmitChecks.ArchTargetAndDisttag(order);
        SubmitChecks.Name(order.Srpm);
        var path = Path.Combine(Incoming, order.Srpm);
        var why = SrpmFileKind.WhyNotARegularFile(path, out var missing);
        SubmitChecks.Check(!missing, $"SRPM '{order.Srpm}' is not in the incoming dir {Incoming} (give a path, e.g. ./{order.Srpm}, to upload a local file)");
        SubmitChecks.Check(why is null, $"SRPM '{order.Srpm}' in the incoming dir {why}");
        SubmitChecks.Source(path, order.Srpm);

        var job = BuildJob.Submitted(order.Srpm, order.Arch, order.Target, order.Disttag, order.Scratch, submitter);
        var tube = Arches.BuildTube(job.Arch);
        var priority = Tubes.BuildPriority(order.Now);
        var id = await PutAsync(job, tube, priority, ct);
        _logger.LogInformation("Submitted SRPM {Srpm} to build queue {Tube} for target {Target} (scratch: {Scratch}) by {Submitter}: job id {Id}, build id {BuildId}, priority {Priority}",
            job.Srpm, tube, job.Target, job.Scratch, submitter, id, job.BuildId, priority);
        return new SubmitReceipt(id, job.BuildId ?? "", tube, priority, job.Srpm, job.Target, job.Scratch, submitter);
    }

    // The only place that opens the queue: a session per submit, closed once the job is in.
    private async Task<long> PutAsync(BuildJob job, string tube, uint priority, CancellationToken ct)
    {
        try
        {
            await using var queue = await _queues.OpenProducerAsync(ct);
            return await queue.PutAsync(tube, MessageJson.Serialize(job), priority, TimeSpan.Zero, _ttr, ct);
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            _logger.LogError(ex, "could not queue {Srpm} for {Target} by {Submitter}: {Message}", job.Srpm, job.Target, job.Submitter, ex.Message);
            throw new SubmitUnavailableException($"the build queue is unavailable: {ex.Message}", ex);
        }
    }
}
