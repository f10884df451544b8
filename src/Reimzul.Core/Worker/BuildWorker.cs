using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Reimzul.Build;
using Reimzul.Config;
using Reimzul.Messages;
using Reimzul.Processing;
using Reimzul.Protocol;
using Reimzul.Queue;
using Reimzul.Retry;
using Reimzul.Rpm;
using Reimzul.Validation;

namespace Reimzul.Worker;

/// <summary>
/// One builder: reserves jobs from its arch tubes, builds the job and its chained builds,
/// stores the results, announces each step on <c>notify</c>, asks for repodata after each
/// success, and only then deletes the job.
/// </summary>
/// <remarks>
/// Delivery is at least once, so every step is made safe to repeat. The build's timestamp comes from the result store,
/// unique per target and package and the same for every delivery of one build id. Before building an arch the worker
/// asks the store whether an earlier delivery stored it already; if so it announces that outcome again (the notifier
/// records an event once) instead of building and publishing the packages a second time. Announcements after a store
/// are retried in-process; a worker that dies or gives up leaves the job to a redelivery, which resumes.
/// </remarks>
public sealed class BuildWorker(
    IJobQueueFactory queues,
    BuilderOptions options,
    string resultsDir,
    IBuildBackend backend,
    ISrpmSource srpmSource,
    IResultStore resultStore,
    ILogger<BuildWorker> logger,
    TimeProvider time,
    RetryPolicy? announceRetry = null,
    ICancelChecks? cancelChecks = null,
    ILiveLogs? liveLogs = null) : QueueConsumer(queues, logger, time)
{
    /// <summary>How long announcements are retried in-process: past that, the job goes back to the queue and a redelivery announces.</summary>
    public static readonly RetryPolicy DefaultAnnounceRetry = RetryPolicy.Default with { GiveUpWithoutProgress = TimeSpan.FromMinutes(10) };

    private readonly EventPublisher _publisher = new(queues);
    private readonly RetryPolicy _announceRetry = announceRetry ?? DefaultAnnounceRetry;
    private WorkDirRegistry? _workDirs;

    protected override IReadOnlyCollection<string> WatchedTubes { get; } = Arches.WatchedBy(options.Arch);

    protected override async Task<JobDisposition> HandleAsync(IReservedJob job, CancellationToken stoppingToken)
    {
        if (!MessageChecks.TryReadBuildJob(job.Tube, job.Body, out var request, out var invalid))
        {
            return JobDisposition.Bury(invalid);
        }
        if (string.IsNullOrEmpty(request.BuildId))
        {
            // Jobs put by the original submit tool carry no id. One derived from the queue's job makes every delivery of
            // the job the same build, so a redelivery gets the build's timestamp back and resumes it.
            request = request with { BuildId = StableBuildId(job) };
        }

        var free = DiskSpace.FreeBytes(resultsDir);
        if (free < options.MinFreeBytes)
        {
            logger.LogError("results dir {Dir} has only {Free} MiB free (need {Need} MiB): job {Id} ({Srpm}) waits {Delay} s",
                resultsDir, free >> 20, options.MinFreeBytes >> 20, job.Id, request.Srpm, options.RetryDelay.TotalSeconds);
            return JobDisposition.Release(options.RetryDelay, "results dir full");
        }

        // The store turns this into the build's timestamp once the package name is known; until then it names the fetch dir.
        var proposed = Time.GetLocalNow().ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);
        var baseEvent = BuildEvent.From(request) with { BuilderFqdn = options.Fqdn, Timestamp = proposed };
        if (await FindCancelAsync(request.BuildId, stoppingToken) is { } canceledInQueue)
        {
            // Canceled while it was queued: dropped without building.
            await AnnounceCanceledAsync(baseEvent with { PkgName = PkgNameFromFileName(request.Srpm) }, [request.Arch], canceledInQueue, TimeSpan.Zero);
            return JobDisposition.Delete;
        }

        // Touched from here on: fetching a large SRPM (with retries) can take longer than the TTR.
        await using var keepAlive = new JobKeepAlive(job, options.JobTtr, Time, logger);

        var workDirs = _workDirs ?? throw new InvalidOperationException("the worker is not running");
        if (job.Deliveries > 1)
        {
            // The worker of an earlier attempt may have died after this one started: its dirs go now, not at the next start.
            workDirs.RemoveLeftovers(logger);
        }

        // The work dir holds a fetched SRPM until the job is done.
        var fetchDir = Path.Combine(resultsDir, ".srpms", $"{job.Id}-{proposed}");
        workDirs.Claim(fetchDir);
        // Asked every few seconds while the job runs; a cancel kills the build's tool through its token.
        await using var cancelWatch = cancelChecks is null ? null : new CancelWatch(cancelChecks, request.BuildId!, Time, logger);
        try
        {
            return await BuildJobAsync(job, request, baseEvent, fetchDir, workDirs, cancelWatch, stoppingToken);
        }
        catch (OperationCanceledException) when (cancelWatch?.Request is { } canceled && !stoppingToken.IsCancellationRequested)
        {
            // Canceled before the chain was known (fetching the SRPM, reserving the timestamp).
            await AnnounceCanceledAsync(baseEvent with { PkgName = PkgNameFromFileName(request.Srpm) }, [request.Arch], canceled, TimeSpan.Zero);
            return JobDisposition.Delete;
        }
        finally
        {
            TryDelete(fetchDir);
            workDirs.Unclaim();
        }
    }

    private async Task<JobDisposition> BuildJobAsync(IReservedJob job, BuildJob request, BuildEvent baseEvent, string fetchDir, WorkDirRegistry workDirs,
        CancelWatch? cancelWatch, CancellationToken stoppingToken)
    {
        // What the build's own steps run under: stopping the worker or canceling the build.
        using var buildToken = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, cancelWatch?.Token ?? CancellationToken.None);
        string srpmPath;
        RpmPackageInfo srpm;
        try
        {
            srpmPath = await srpmSource.FetchAsync(request.Srpm, fetchDir, buildToken.Token);
            srpm = RpmHeaderReader.ReadSource(srpmPath);
        }
        catch (FileNotFoundException ex)
        {
            return await RejectAsync(job, baseEvent with { PkgName = PkgNameFromFileName(request.Srpm) }, ex.Message, stoppingToken);
        }
        catch (RpmFormatException ex)
        {
            return await RejectAsync(job, baseEvent with { PkgName = PkgNameFromFileName(request.Srpm) }, $"SRPM {request.Srpm} cannot be built: {ex.Message}", stoppingToken);
        }
        if (!InputRules.TryValidatePathComponent("package name", srpm.Name, out var badName)
            || !InputRules.TryValidatePathComponent("version-release", srpm.Evr, out badName))
        {
            return await RejectAsync(job, baseEvent with { PkgName = PkgNameFromFileName(request.Srpm) }, $"SRPM {request.Srpm}: {badName}", stoppingToken);
        }

        baseEvent = baseEvent with { PkgName = srpm.Name, Evr = srpm.Evr };
        string timestamp;
        try
        {
            timestamp = await resultStore.ReserveTimestampAsync(new TimestampReservation(request.Target, srpm.Name, request.BuildId!, baseEvent.Timestamp), buildToken.Token);
        }
        catch (Exception ex) when (IsPermanentStoreError(ex))
        {
            return await RejectAsync(job, baseEvent, $"results could not be stored: {ex.Message}", stoppingToken);
        }
        baseEvent = baseEvent with { Timestamp = timestamp };
        var chain = BuildChain.Plan(request.Arch, options.Arch, srpm.Name, srpm.Arch);
        if (request.OnlyArches is { } only)
        {
            // A resubmit of the arches that failed: the others of the chain stand as they ended.
            chain = [.. chain.Where(only.Contains)];
        }
        logger.LogInformation("job {Id}: building {Srpm} ({Pkg} {Evr}) for {Target}, arches {Chain}, timestamp {Timestamp}, build id {BuildId}",
            job.Id, request.Srpm, srpm.Name, srpm.Evr, request.Target, string.Join(" → ", chain), timestamp, request.BuildId);

        var workDir = Path.Combine(resultsDir, request.Target, srpm.Name, timestamp);
        workDirs.Claim(fetchDir, workDir);
        try
        {
            for (var step = 0; step < chain.Count; step++)
            {
                var ev = baseEvent with { Arch = chain[step] };
                if (cancelWatch?.Request is { } canceledBefore)
                {
                    // The arches of the chain not started yet are canceled with it.
                    await AnnounceCanceledAsync(ev, chain.Skip(step), canceledBefore, TimeSpan.Zero);
                    return JobDisposition.Delete;
                }
                var stored = await resultStore.FindStoredAsync(new ResultPlace(ev.Target, ev.PkgName, ev.Timestamp, ev.Evr, ev.Arch), stoppingToken);
                if (stored is not null && stored.BuildId == request.BuildId)
                {
                    await AnnounceStoredAsync(job, ev, stored);
                    continue;
                }
                var started = Time.GetTimestamp();
                JobDisposition? disposition;
                try
                {
                    disposition = await BuildOneAsync(ev, request.Replace == true, srpmPath, workDir, buildToken.Token, stoppingToken);
                }
                catch (OperationCanceledException) when (cancelWatch?.Request is { } canceled && !stoppingToken.IsCancellationRequested)
                {
                    // The build's tool was killed with its process tree; the work dir goes in the finally below.
                    await AnnounceCanceledAsync(ev, chain.Skip(step), canceled, Time.GetElapsedTime(started));
                    return JobDisposition.Delete;
                }
                if (disposition is not null)
                {
                    return disposition;
                }
            }
        }
        finally
        {
            TryDelete(workDir);
        }
        return JobDisposition.Delete;
    }

    /// <summary>An arch an earlier delivery of this build stored: its outcome is announced again, nothing is built.</summary>
    private async Task AnnounceStoredAsync(IReservedJob job, BuildEvent ev, StoredOutcome stored)
    {
        logger.LogInformation("job {Id}: {Pkg} {Evr} {Arch} for {Target}, timestamp {Timestamp}, was stored by an earlier delivery ({Status}); announcing it, not building it again",
            job.Id, ev.PkgName, ev.Evr, ev.Arch, ev.Target, ev.Timestamp, stored.Status);
        await AnnounceAsync(ev with { Status = stored.Status, Reason = stored.Reason, DurationSeconds = stored.DurationSeconds });
        if (stored.Status == BuildStatus.Success)
        {
            await RequestRepoAsync(ev);
        }
    }

    /// <summary>Builds one arch of the chain; null when the chain goes on, else what to do with the job.</summary>
    private async Task<JobDisposition?> BuildOneAsync(BuildEvent ev, bool replace, string srpmPath, string workDir, CancellationToken buildToken, CancellationToken stoppingToken)
    {
        await _publisher.PublishAsync(ev with { Status = BuildStatus.Building }, stoppingToken);

        var resultDir = Path.Combine(workDir, $"{ev.Evr}.{ev.Arch}");
        TryDelete(resultDir);
        Directory.CreateDirectory(resultDir);
        var request = new BuildRequest(srpmPath, ev.PkgName, ev.Evr, ev.Arch, ev.Target, ev.Disttag, ev.Timestamp, resultDir, options.BuildTimeout);

        BuildOutcome outcome;
        // Followed while it runs (the logs endpoint, `reimzul logs -f`); the stored result keeps the final logs.
        await using (liveLogs is null ? null : new LiveLogStreamer(liveLogs, ev.BuildId ?? "", ev.Arch, resultDir, Time, logger))
        {
            outcome = await backend.BuildAsync(request, buildToken);
        }
        logger.LogInformation("{Pkg} {Evr} {Arch} for {Target}: {Result} in {Seconds:0.0} s{Reason}",
            ev.PkgName, ev.Evr, ev.Arch, ev.Target, outcome.Succeeded ? "built" : "FAILED", outcome.Duration.TotalSeconds,
            outcome.Reason is null ? "" : " — " + outcome.Reason);

        // A build that failed because the disk filled up is the machine's fault, not the package's.
        if (!outcome.Succeeded && DiskSpace.FreeBytes(resultDir) < options.MinFreeBytes)
        {
            return await DiskFullAsync(ev, "the results dir ran out of space during the build", stoppingToken);
        }

        var outcomeRecord = new StoredOutcome
        {
            BuildId = ev.BuildId ?? "",
            Status = outcome.Succeeded ? BuildStatus.Success : BuildStatus.Failed,
            Reason = outcome.Reason,
            DurationSeconds = Math.Round(outcome.Duration.TotalSeconds, 3),
        };
        try
        {
            // The outcome travels with the result, so a redelivery finds both or neither.
            await File.WriteAllTextAsync(Path.Combine(resultDir, StoredOutcome.FileName), outcomeRecord.ToJson(), CancellationToken.None);
            // Logs of a failed build are stored too: they are what the submitter needs to read.
            await resultStore.StoreAsync(new StoredResult(resultDir, ev.Target, ev.PkgName, ev.Timestamp, ev.Evr, ev.Arch, replace), CancellationToken.None);
        }
        catch (IOException ex) when (DiskSpace.IsDiskFull(ex))
        {
            return await DiskFullAsync(ev, $"results could not be stored: {ex.Message}", stoppingToken);
        }
        catch (Exception ex) when (IsPermanentStoreError(ex))
        {
            // Another delivery of this very build (the job came back while this one built, e.g. after a lost queue
            // session) may have stored first: its result stands, and this build did not fail.
            if (await StoredByThisBuildAsync(ev) is { } earlier)
            {
                logger.LogInformation("{Pkg} {Arch} for {Target}, timestamp {Timestamp}: another delivery of build {BuildId} stored it first; announcing that result",
                    ev.PkgName, ev.Arch, ev.Target, ev.Timestamp, ev.BuildId);
                await AnnounceAsync(ev with { Status = earlier.Status, Reason = earlier.Reason, DurationSeconds = earlier.DurationSeconds });
                if (earlier.Status == BuildStatus.Success)
                {
                    await RequestRepoAsync(ev);
                }
                return null;
            }
            // Building again would meet the same refusal: the build ends here, and the submitter reads why.
            var reason = $"results could not be stored: {ex.Message}";
            logger.LogError("{Pkg} {Arch} for {Target}: {Reason}", ev.PkgName, ev.Arch, ev.Target, reason);
            await AnnounceAsync(ev with { Status = BuildStatus.Failed, Reason = reason, DurationSeconds = outcomeRecord.DurationSeconds });
            return JobDisposition.Delete;
        }

        // From here the build is stored: announce it even if we are asked to stop, and keep trying rather than build again.
        var stored = ev with { Status = outcomeRecord.Status, Reason = outcomeRecord.Reason, DurationSeconds = outcomeRecord.DurationSeconds };
        if (outcome.Succeeded)
        {
            // With its repodata request in the same put: one queue transaction less between the build and the repo.
            await WithRetriesAsync($"the {stored.Status} of {stored.PkgName} {stored.Arch} for {stored.Target} and its repodata",
                ct => _publisher.PublishWithRepoRequestAsync(stored, ct));
        }
        else
        {
            await AnnounceAsync(stored);
        }
        return null;
    }

    /// <summary>The operator's request to cancel build <paramref name="buildId"/>, or null (also when it cannot be known now).</summary>
    private async Task<CancelRequest?> FindCancelAsync(string? buildId, CancellationToken stoppingToken)
    {
        if (cancelChecks is null || buildId is null)
        {
            return null;
        }
        try
        {
            return await cancelChecks.FindAsync(buildId, stoppingToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning("build {BuildId}: cannot learn whether it was canceled: {Message}", buildId, ex.Message);
            return null;
        }
    }

    /// <summary>Announces <paramref name="arches"/> of the build Canceled (those the canceler announced already excepted).</summary>
    private async Task AnnounceCanceledAsync(BuildEvent ev, IEnumerable<string> arches, CancelRequest canceled, TimeSpan ran)
    {
        foreach (var arch in arches.Where(a => !canceled.Announced.Contains(a)))
        {
            logger.LogInformation("{Pkg} {Arch} for {Target}, build {BuildId}: {Reason}", ev.PkgName, arch, ev.Target, ev.BuildId, canceled.Reason);
            await AnnounceAsync(ev with { Arch = arch, Status = BuildStatus.Canceled, Reason = canceled.Reason, DurationSeconds = Math.Round(ran.TotalSeconds, 3) });
            ran = TimeSpan.Zero;
        }
    }

    /// <summary>What the store holds at this build's place, when this build id stored it; null when not, or unknown.</summary>
    private async Task<StoredOutcome?> StoredByThisBuildAsync(BuildEvent ev)
    {
        try
        {
            var stored = await resultStore.FindStoredAsync(new ResultPlace(ev.Target, ev.PkgName, ev.Timestamp, ev.Evr, ev.Arch), CancellationToken.None);
            return stored is not null && stored.BuildId == ev.BuildId ? stored : null;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            logger.LogWarning("{Pkg} {Arch} for {Target}: cannot tell whether another delivery stored it: {Message}", ev.PkgName, ev.Arch, ev.Target, ex.Message);
            return null;
        }
    }

    /// <summary>
    /// Puts <paramref name="done"/> on <c>notify</c>, retried while the queue is away. Giving up throws: the job goes back
    /// to the queue, and its redelivery finds the result stored and announces it.
    /// </summary>
    private Task AnnounceAsync(BuildEvent done) =>
        WithRetriesAsync($"the {done.Status} of {done.PkgName} {done.Arch} for {done.Target}", ct => _publisher.PublishAsync(done, ct));

    private Task RequestRepoAsync(BuildEvent ev) =>
        WithRetriesAsync($"repodata for {ev.Target}", ct => _publisher.RequestRepoAsync(ev.Target, ev.BuildId, ct));

    private async Task WithRetriesAsync(string what, Func<CancellationToken, Task> put)
    {
        var schedule = _announceRetry.Start(Time);
        await schedule.RunAsync<bool>(
            async ct =>
            {
                await put(ct);
                return true;
            },
            ex => ex is not OperationCanceledException,
            (ex, decision) => logger.LogWarning("could not announce {What} ({Reason}); retry in {Delay:0.0} s", what, ex.Message, decision.Delay.TotalSeconds),
            (ex, decision) => new IOException($"could not announce {what}: {decision.GiveUpReason}; last error: {ex.Message}; the job goes back to the queue and its next delivery announces it", ex),
            CancellationToken.None);
    }

    private async Task<JobDisposition> DiskFullAsync(BuildEvent ev, string reason, CancellationToken stoppingToken)
    {
        var delay = options.RetryDelay;
        var message = $"{reason}; the job will be built again in {delay.TotalSeconds:0} s";
        logger.LogError("{Pkg} {Arch} for {Target}: {Message}", ev.PkgName, ev.Arch, ev.Target, message);
        await _publisher.PublishAsync(ev with { Status = BuildStatus.Failed, Reason = message }, stoppingToken);
        return JobDisposition.Release(delay, reason);
    }

    private async Task<JobDisposition> RejectAsync(IReservedJob job, BuildEvent ev, string reason, CancellationToken stoppingToken)
    {
        logger.LogError("job {Id}: {Reason}", job.Id, reason);
        await _publisher.PublishAsync(ev with { Status = BuildStatus.Failed, Reason = reason }, stoppingToken);
        return JobDisposition.Delete;
    }

    /// <summary>The store's refusals of this result, as <see cref="IResultStore"/> names them; anything else may pass later.</summary>
    private static bool IsPermanentStoreError(Exception ex) => ex switch
    {
        ArgumentException or InvalidDataException => true,
        RemoteServiceException { Status: { } status } => RemoteStatuses.IsPermanentRefusal(status),
        _ => false,
    };

    /// <summary>The same for every delivery of one queue job: its tube, id and SRPM, hashed to the shape of a new build id.</summary>
    private static string StableBuildId(IReservedJob job)
    {
        var key = string.Create(CultureInfo.InvariantCulture, $"{job.Tube}\n{job.Id}\n{job.Body}");
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..32];
    }

    private static string PkgNameFromFileName(string srpm) =>
        srpm.EndsWith(".src.rpm", StringComparison.Ordinal) ? srpm[..^".src.rpm".Length] : srpm;

    private void TryDelete(string dir)
    {
        try
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            logger.LogWarning("could not remove {Dir}: {Message}", dir, ex.Message);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Before the first reserve: what workers killed mid-build left under the shared results dir.
        Directory.CreateDirectory(resultsDir);
        using var workDirs = WorkDirRegistry.Open(resultsDir);
        var removed = workDirs.RemoveLeftovers(logger);
        if (removed > 0)
        {
            logger.LogInformation("removed {Count} work dir(s) of workers that are no longer running", removed);
        }
        _workDirs = workDirs;
        try
        {
            await base.ExecuteAsync(stoppingToken);
        }
        finally
        {
            _workDirs = null;
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await _publisher.DisposeAsync();
    }
}
