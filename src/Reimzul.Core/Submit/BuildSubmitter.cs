using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Reimzul.Config;
using Reimzul.Files;
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
    private readonly FairShare _fairShare;
    private readonly string _incomingShownAs;

    // Submits of one key run one at a time, so a retry that arrives while the first is still putting waits for its
    // receipt; striped by the key's last (random) digit to stay bounded.
    private readonly SemaphoreSlim[] _keyLocks = [.. Enumerable.Range(0, 16).Select(_ => new SemaphoreSlim(1, 1))];

    /// <param name="incoming">The incoming dir the SRPMs are named in.</param>
    /// <param name="ttr">The time to run of a build job (<c>[builder] ttr</c>).</param>
    /// <param name="incomingShownAs">How messages name the incoming dir; its path by default. A service answering
    /// remote submitters says less: the server's layout is none of their business.</param>
    /// <param name="fairShareDir">Where fair share keeps what each submitter last queued; <c>fair-share/</c> next to incoming by default.</param>
    public BuildSubmitter(string incoming, IJobQueueFactory queues, TimeSpan ttr, ILogger? logger = null, string? incomingShownAs = null, string? fairShareDir = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(incoming);
        ArgumentNullException.ThrowIfNull(queues);
        Incoming = incoming;
        _incomingShownAs = incomingShownAs ?? incoming;
        _queues = queues;
        _ttr = ttr;
        _logger = logger ?? NullLogger.Instance;
        _records = new SubmitRecords(Path.Combine(incoming, SubmitRecords.DirectoryName));
        _fairShare = new FairShare(fairShareDir ?? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(incoming)) ?? incoming, FairShare.DirectoryName), _logger);
    }

    /// <summary>How long the controller remembers a build id used as a key (<see cref="PruneKeys"/>).</summary>
    public static readonly TimeSpan KeyLifetime = TimeSpan.FromDays(7);

    /// <summary>Submits to the configured incoming dir with the configured job TTR.</summary>
    public static BuildSubmitter Create(ReimzulConfig config, IJobQueueFactory queues, ILogger? logger = null, string? incomingShownAs = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new BuildSubmitter(config.Paths.Incoming, queues, config.Builder.JobTtr, logger, incomingShownAs, Path.Combine(config.Paths.DataDir, FairShare.DirectoryName));
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

    /// <summary>
    /// The checks of <see cref="SubmitManyAsync"/>, without queuing: every order, its SRPM in incoming included; refuses
    /// with every problem found.
    /// </summary>
    /// <exception cref="SubmitRefusedException">An order or key is wrong.</exception>
    public void CheckMany(IReadOnlyList<SubmitOrder> orders, IReadOnlyList<string>? buildIds)
    {
        ArgumentNullException.ThrowIfNull(orders);
        SubmitChecks.Check(orders.Count > 0, "no SRPM to submit");
        SubmitChecks.Check(buildIds is null || buildIds.Count == orders.Count, $"{buildIds?.Count} build ids for {orders.Count} SRPMs: give one per SRPM, or none");
        SubmitChecks.ArchTargetAndDisttag(orders[0]);
        var tube = Arches.BuildTube(orders[0].Arch);
        var priority = Tubes.BuildPriority(orders[0].Now, orders[0].Background);
        var problems = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var seenKeys = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < orders.Count; i++)
        {
            var order = orders[i];
            try
            {
                SubmitChecks.ArchTargetAndDisttag(order);
                SubmitChecks.Check(Arches.BuildTube(order.Arch) == tube && Tubes.BuildPriority(order.Now, order.Background) == priority,
                    $"SRPM '{order.Srpm}' goes to another build queue or priority than the first; one bulk submit is for one arch and priority");
                SubmitChecks.Name(order.Srpm);
                SubmitChecks.Check(seen.Add(order.Srpm + "\n" + order.Target), $"SRPM '{order.Srpm}' is given twice");
                if (buildIds is not null)
                {
                    SubmitChecks.Check(SubmitRecords.IsValidKey(buildIds[i]), $"build id {Printable.Quote(buildIds[i])} is not 32 lower-case hex digits");
                    SubmitChecks.Check(seenKeys.Add(buildIds[i]), $"build id {buildIds[i]} is given twice");
                }
                CheckSrpm(order);
            }
            catch (SubmitRefusedException ex)
            {
                problems.Add(ex.Message);
            }
        }
        SubmitChecks.RefuseBulkIfAny(problems, orders.Count);
    }

    /// <summary>The tube, job id and priority that a submit here queued for <paramref name="buildId"/>; null when none is known.</summary>
    public (string Tube, long JobId, uint Priority)? QueuedJobOf(string buildId) =>
        SubmitRecords.IsValidKey(buildId) && _records.Read(buildId) is { State: SubmitRecord.Queued, JobId: > 0, Tube.Length: > 0 } record
            ? (record.Tube, record.JobId, record.Priority)
            : null;

    /// <summary>The TTR of the jobs this queues (a job put back by a cancel that could not announce gets it too).</summary>
    public TimeSpan JobTtr => _ttr;

    /// <summary>Whether <paramref name="buildId"/> was used as a key of a submit here (queued, or being queued).</summary>
    public bool IsKnownBuildId(string buildId) => SubmitRecords.IsValidKey(buildId) && _records.Read(buildId) is not null;

    /// <summary>
    /// Bulk submit: checks every order first and queues nothing when one is wrong (the message names each bad one), then
    /// queues them all in one put (one transaction on the embedded queue). All orders go to one arch and priority.
    /// With <paramref name="buildIds"/> (one per order), each is the build's id and idempotency key as in
    /// <see cref="SubmitAsync(SubmitOrder, string, string?, CancellationToken)"/>: a repeat of the whole bulk with the
    /// same keys gets the first receipts; a bulk whose keys were only partly used before is refused.
    /// </summary>
    /// <exception cref="SubmitRefusedException">An order or key is wrong; nothing was queued.</exception>
    /// <exception cref="SubmitConflictException">Keys used before for other orders, or by a submit of which only some keys were queued.</exception>
    /// <exception cref="SubmitUnavailableException">The queue cannot be reached.</exception>
    public async Task<IReadOnlyList<SubmitReceipt>> SubmitManyAsync(IReadOnlyList<SubmitOrder> orders, string submitter, IReadOnlyList<string>? buildIds, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(orders);
        ArgumentNullException.ThrowIfNull(submitter);
        CheckMany(orders, buildIds);
        if (buildIds is null)
        {
            return await SubmitNewAsync(orders, submitter, null, ct);
        }
        // Every stripe, taken in order: a bulk's keys fall in any of them, and a single submit takes only one.
        var taken = 0;
        try
        {
            for (; taken < _keyLocks.Length; taken++)
            {
                await _keyLocks[taken].WaitAsync(ct);
            }
            var records = buildIds.Select(_records.Read).ToList();
            if (records.All(r => r is not null))
            {
                return [.. records.Select((r, i) => Repeat(r!, orders[i], submitter, buildIds[i]))];
            }
            if (records.Any(r => r is not null))
            {
                throw new SubmitConflictException($"{records.Count(r => r is not null)} of the {orders.Count} build ids were used before (e.g. {buildIds[records.FindIndex(r => r is not null)]}); submit the whole bulk again with new build ids, leaving out the SRPMs already queued");
            }
            try
            {
                for (var i = 0; i < orders.Count; i++)
                {
                    _records.Write(buildIds[i], SubmitRecord.For(orders[i], submitter));
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                foreach (var key in buildIds)
                {
                    DurableFiles.TryDelete(Path.Combine(_records.Directory, key + ".json"));
                }
                _logger.LogError(ex, "cannot record build ids in {Dir}: {Message}", _records.Directory, ex.Message);
                throw new SubmitUnavailableException($"the controller cannot record build ids: {ex.Message}", ex);
            }
            return await SubmitNewAsync(orders, submitter, buildIds, ct);
        }
        finally
        {
            for (var i = 0; i < taken; i++)
            {
                _keyLocks[i].Release();
            }
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
        var receipts = await SubmitNewAsync([order], submitter, key is null ? null : [key], ct);
        return receipts[0];
    }

    /// <summary>Queues the jobs of <paramref name="orders"/> (checked, one tube and priority), in one put.</summary>
    private async Task<IReadOnlyList<SubmitReceipt>> SubmitNewAsync(IReadOnlyList<SubmitOrder> orders, string submitter, IReadOnlyList<string>? keys, CancellationToken ct)
    {
        var jobs = new BuildJob[orders.Count];
        for (var i = 0; i < orders.Count; i++)
        {
            var order = orders[i];
            jobs[i] = BuildJob.Submitted(order.Srpm, order.Arch, order.Target, order.Disttag, order.Scratch, submitter, order.Replace)
                with { OnlyArches = order.OnlyArches };
            if (keys is not null)
            {
                jobs[i] = jobs[i] with { BuildId = keys[i] };
            }
        }
        var tube = Arches.BuildTube(jobs[0].Arch);
        var basePriority = Tubes.BuildPriority(orders[0].Now, orders[0].Background);
        var (ids, priorities) = await PutAsync(jobs, tube, basePriority, submitter, keys, ct);
        var receipts = new SubmitReceipt[jobs.Length];
        for (var i = 0; i < jobs.Length; i++)
        {
            var job = jobs[i];
            // Every build's record, keyed or not: a cancel finds its queued job through it (QueuedJobOf).
            Record(job.BuildId!, SubmitRecord.For(orders[i], submitter) with { State = SubmitRecord.Queued, JobId = ids[i], Tube = tube, Priority = priorities[i] });
            receipts[i] = new SubmitReceipt(ids[i], job.BuildId ?? "", tube, priorities[i], job.Srpm, job.Target, job.Scratch, submitter);
        }
        if (jobs.Length == 1)
        {
            _logger.LogInformation("Submitted SRPM {Srpm} to build queue {Tube} for target {Target} (scratch: {Scratch}) by {Submitter}: job id {Id}, build id {BuildId}, priority {Priority}",
                jobs[0].Srpm, tube, jobs[0].Target, jobs[0].Scratch, submitter, ids[0], jobs[0].BuildId, priorities[0]);
        }
        else
        {
            _logger.LogInformation("Submitted {Count} SRPMs to build queue {Tube} for target {Target} (scratch: {Scratch}) by {Submitter}: job ids {First}…{Last}, priorities {FirstPriority}…{LastPriority}",
                jobs.Length, tube, jobs[0].Target, jobs[0].Scratch, submitter, ids[0], ids[^1], priorities[0], priorities[^1]);
        }
        return receipts;
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

    // The only place that opens the queue: a session per submit, closed once the jobs are in. With keys, a failure to
    // open the session forgets the pending records (nothing can have been sent), while a failed put keeps them: the jobs
    // may be in.
    private async Task<(IReadOnlyList<long> Ids, IReadOnlyList<uint> Priorities)> PutAsync(
        BuildJob[] jobs, string tube, uint basePriority, string submitter, IReadOnlyList<string>? keys, CancellationToken ct)
    {
        IJobProducer queue;
        try
        {
            queue = await _queues.OpenProducerAsync(ct);
        }
        catch (Exception ex)
        {
            foreach (var key in keys ?? [])
            {
                _records.Delete(key);
            }
            if (ct.IsCancellationRequested)
            {
                throw;
            }
            throw Unavailable(jobs, ex);
        }
        await using (queue)
        {
            try
            {
                return await _fairShare.PlaceAsync(queue, tube, basePriority, submitter, jobs.Length, async priorities =>
                {
                    if (jobs.Length == 1)
                    {
                        return ((IReadOnlyList<long>)[await queue.PutAsync(tube, MessageJson.Serialize(jobs[0]), priorities[0], TimeSpan.Zero, _ttr, ct)], priorities);
                    }
                    var puts = jobs.Select((job, i) => new JobToPut(tube, MessageJson.Serialize(job), priorities[i], TimeSpan.Zero, _ttr)).ToList();
                    return (await queue.PutManyAsync(puts, ct), priorities);
                }, ct);
            }
            catch (Exception ex) when (!ct.IsCancellationRequested)
            {
                throw Unavailable(jobs, ex);
            }
        }
    }

    private SubmitUnavailableException Unavailable(BuildJob[] jobs, Exception ex)
    {
        var job = jobs[0];
        var what = jobs.Length == 1 ? job.Srpm : $"{jobs.Length} SRPMs ({job.Srpm}, ...)";
        _logger.LogError(ex, "could not queue {What} for {Target} by {Submitter} (build id {BuildId}): {Message}", what, job.Target, job.Submitter, job.BuildId, ex.Message);
        return new SubmitUnavailableException($"the build queue is unavailable: {ex.Message}", ex);
    }
}
