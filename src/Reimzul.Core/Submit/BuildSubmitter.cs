using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Reimzul.Config;
using Reimzul.Messages;
using Reimzul.Queue;
using Reimzul.Validation;

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
    private readonly SubmitRecords _records;
    private readonly string _incomingShownAs;

    // Submits of one key run one at a time, so a retry that arrives while the first is still putting waits for its
    // receipt; striped by the key's last (random) digit to stay bounded.
    private readonly SemaphoreSlim[] _keyLocks = [.. Enumerable.Range(0, 16).Select(_ => new SemaphoreSlim(1, 1))];

    /// <param name="incoming">The incoming dir the SRPMs are named in.</param>
    /// <param name="ttr">The time to run of a build job (<c>[builder] ttr</c>).</param>
    /// <param name="incomingShownAs">How messages name the incoming dir; its path by default. A service answering
    /// remote submitters says less: the server's layout is none of their business.</param>
    public BuildSubmitter(string incoming, IJobQueueFactory queues, TimeSpan ttr, ILogger? logger = null, string? incomingShownAs = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(incoming);
        ArgumentNullException.ThrowIfNull(queues);
        Incoming = incoming;
        _incomingShownAs = incomingShownAs ?? incoming;
        _queues = queues;
        _ttr = ttr;
        _logger = logger ?? NullLogger.Instance;
        _records = new SubmitRecords(Path.Combine(incoming, SubmitRecords.DirectoryName));
    }

    /// <summary>How long the controller remembers a build id used as a key (<see cref="PruneKeys"/>).</summary>
    public static readonly TimeSpan KeyLifetime = TimeSpan.FromDays(7);

    /// <summary>Submits to the configured incoming dir with the configured job TTR.</summary>
    public static BuildSubmitter Create(ReimzulConfig config, IJobQueueFactory queues, ILogger? logger = null, string? incomingShownAs = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new BuildSubmitter(config.Paths.Incoming, queues, config.Builder.JobTtr, logger, incomingShownAs);
    }

    public string Incoming { get; }

    /// <summary>Where the used keys are recorded: <c>.submits/</c> in <see cref="Incoming"/>.</summary>
    public string KeysDirectory => _records.Directory;

    /// <summary>Forgets the keys recorded before <paramref name="before"/> (the controller does so at start); returns how many.</summary>
    public int PruneKeys(DateTimeOffset before) => _records.Prune(before);

    /// <summary>Queues the build of <paramref name="order"/>'s SRPM, a name in <see cref="Incoming"/>, by <paramref name="submitter"/>.</summary>
    /// <exception cref="SubmitRefusedException">The order is wrong; nothing was queued.</exception>
    /// <exception cref="SubmitUnavailableException">The queue cannot be reached; nothing was queued.</exception>
    public Task<SubmitReceipt> SubmitAsync(SubmitOrder order, string submitter, CancellationToken ct) => SubmitAsync(order, submitter, null, ct);

    /// <summary>
    /// As <see cref="SubmitAsync(SubmitOrder, string, CancellationToken)"/>, with <paramref name="buildId"/> (when not
    /// null) as the job's build id and an idempotency key: a repeated submit of the same order with the same key gets
    /// the first job's receipt (<see cref="SubmitReceipt.Repeated"/>) and queues nothing. The key is recorded on disk
    /// as pending before the put and with the job id after it, so it outlives a restart of this process.
    /// </summary>
    /// <exception cref="SubmitRefusedException">The order or the key is wrong; nothing was queued.</exception>
    /// <exception cref="SubmitConflictException">
    /// The key was used for a different order, or its first submit was interrupted during the put so whether that job
    /// is queued cannot be known (answering with a guess would either lose the build or queue it twice).
    /// </exception>
    /// <exception cref="SubmitUnavailableException">The queue cannot be reached; nothing was queued, unless the put itself failed (then the key stays pending).</exception>
    public async Task<SubmitReceipt> SubmitAsync(SubmitOrder order, string submitter, string? buildId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(order);
        ArgumentNullException.ThrowIfNull(submitter);
        SubmitChecks.ArchTargetAndDisttag(order);
        SubmitChecks.Name(order.Srpm);
        if (buildId is null)
        {
            CheckSrpm(order);
            return await SubmitNewAsync(order, submitter, null, ct);
        }
        SubmitChecks.Check(SubmitRecords.IsValidKey(buildId), $"build id {Printable.Quote(buildId)} is not 32 lower-case hex digits");
        var keyLock = _keyLocks[Convert.ToInt32(buildId[^1].ToString(), 16)];
        await keyLock.WaitAsync(ct);
        try
        {
            if (_records.Read(buildId) is { } record)
            {
                return Repeat(record, order, submitter, buildId);
            }
            CheckSrpm(order);
            try
            {
                _records.Write(buildId, SubmitRecord.For(order, submitter));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                _logger.LogError(ex, "cannot record build id {BuildId} in {Dir}: {Message}", buildId, _records.Directory, ex.Message);
                throw new SubmitUnavailableException($"the controller cannot record build id {buildId}: {ex.Message}", ex);
            }
            return await SubmitNewAsync(order, submitter, buildId, ct);
        }
        finally
        {
            keyLock.Release();
        }
    }

    private SubmitReceipt Repeat(SubmitRecord record, SubmitOrder order, string submitter, string buildId)
    {
        if (record.Submitter != submitter && record.State == SubmitRecord.Queued)
        {
            throw new SubmitConflictException($"build id {buildId} was already used by another submitter; submit with a new build id");
        }
        if (record.State == SubmitRecord.Queued && !record.IsFor(order, submitter))
        {
            throw new SubmitConflictException($"build id {buildId} was already used for SRPM {record.Srpm}, arch {record.Arch}, target {record.Target}, disttag {record.Disttag} (scratch: {record.Scratch}, now: {record.Now}), job id {record.JobId}; submit a different build with a new build id");
        }
        if (record.State != SubmitRecord.Queued)
        {
            throw new SubmitConflictException($"the controller was interrupted while queuing build id {buildId}, so it cannot tell whether that build is queued; look for build id {buildId} in the build history (`reimzul query --status Building --json`, once a worker takes it) before submitting it again (a new submit gets a new build id)");
        }
        _logger.LogInformation("Submit of build id {BuildId} repeated by {Submitter}: answered with job id {Id}, queued before", buildId, submitter, record.JobId);
        return new SubmitReceipt(record.JobId, buildId, record.Tube, record.Priority, record.Srpm, record.Target + "." + record.Arch, record.Scratch, record.Submitter) { Repeated = true };
    }

    private void CheckSrpm(SubmitOrder order)
    {
        var path = Path.Combine(Incoming, order.Srpm);
        var why = SrpmFileKind.WhyNotARegularFile(path, out var missing);
        SubmitChecks.Check(!missing, $"SRPM '{order.Srpm}' is not in the incoming dir {_incomingShownAs} (give a path, e.g. ./{order.Srpm}, to upload a local file)");
        SubmitChecks.Check(why is null, $"SRPM '{order.Srpm}' in the incoming dir {why}");
        SubmitChecks.Source(path, order.Srpm);
    }

    private async Task<SubmitReceipt> SubmitNewAsync(SubmitOrder order, string submitter, string? key, CancellationToken ct)
    {
        var job = BuildJob.Submitted(order.Srpm, order.Arch, order.Target, order.Disttag, order.Scratch, submitter, order.Replace) with { OnlyArches = order.OnlyArches };
        if (key is not null)
        {
            job = job with { BuildId = key };
        }
        var tube = Arches.BuildTube(job.Arch);
        var priority = Tubes.BuildPriority(order.Now);
        var id = await PutAsync(job, tube, priority, key, ct);
        if (key is not null)
        {
            Record(key, SubmitRecord.For(order, submitter) with { State = SubmitRecord.Queued, JobId = id, Tube = tube, Priority = priority });
        }
        _logger.LogInformation("Submitted SRPM {Srpm} to build queue {Tube} for target {Target} (scratch: {Scratch}) by {Submitter}: job id {Id}, build id {BuildId}, priority {Priority}",
            job.Srpm, tube, job.Target, job.Scratch, submitter, id, job.BuildId, priority);
        return new SubmitReceipt(id, job.BuildId ?? "", tube, priority, job.Srpm, job.Target, job.Scratch, submitter);
    }

    // The job is in: a record that stays pending would make a repeat "unknown", so this is logged, not thrown.
    private void Record(string key, SubmitRecord record)
    {
        try
        {
            // Not flushed: if it is lost in a crash, a repeat finds "pending" and says the outcome is unknown, which
            // is true; only the pending record, written before the put, has to be on disk before the answer.
            _records.Write(key, record, durable: false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _logger.LogError(ex, "job id {Id} of build id {BuildId} is queued, but the record of its key could not be written: {Message}", record.JobId, key, ex.Message);
        }
    }

    // The only place that opens the queue: a session per submit, closed once the job is in. With a key, a failure to
    // open the session forgets the pending record (nothing can have been sent), while a failed put keeps it: the job
    // may be in.
    private async Task<long> PutAsync(BuildJob job, string tube, uint priority, string? key, CancellationToken ct)
    {
        IJobProducer queue;
        try
        {
            queue = await _queues.OpenProducerAsync(ct);
        }
        catch (Exception ex)
        {
            if (key is not null)
            {
                _records.Delete(key);
            }
            if (ct.IsCancellationRequested)
            {
                throw;
            }
            throw Unavailable(job, ex);
        }
        await using (queue)
        {
            try
            {
                return await queue.PutAsync(tube, MessageJson.Serialize(job), priority, TimeSpan.Zero, _ttr, ct);
            }
            catch (Exception ex) when (!ct.IsCancellationRequested)
            {
                throw Unavailable(job, ex);
            }
        }
    }

    private SubmitUnavailableException Unavailable(BuildJob job, Exception ex)
    {
        _logger.LogError(ex, "could not queue {Srpm} for {Target} by {Submitter} (build id {BuildId}): {Message}", job.Srpm, job.Target, job.Submitter, job.BuildId, ex.Message);
        return new SubmitUnavailableException($"the build queue is unavailable: {ex.Message}", ex);
    }
}
