using System.Globalization;
using Microsoft.Extensions.Logging;
using Reimzul.Config;
using Reimzul.Files;
using Reimzul.Processes;
using Reimzul.Retry;
using Reimzul.Worker;

namespace Reimzul.ResultStores;

/// <summary>
/// The many-machine transport: pushes a result dir to the bstore's rsync daemon, whose module holds
/// <c>repo/</c> (on the bstore, <c>/srv/reimzul/bstore</c>), as the original's
/// <c>rsync -a --port=11874 ... host::reimzul-bstore/repo/...</c> did, in three runs:
/// <list type="number">
/// <item>upload the files to <c>.staging/ID/</c> in the module, outside <c>repo/</c>, so createrepo_c never sees them;</item>
/// <item>publish into <c>repo/TARGET/PKGNAME/TIMESTAMP/EVR.ARCH/</c> by hard-linking the staged files;</item>
/// <item>verify by checksum that the final dir holds exactly the result's files.</item>
/// </list>
/// An rsync daemon cannot rename a directory, so publication is not one atomic step: while the publish
/// run links the files (milliseconds, no data transfer) a reader can see some of them, and a retried
/// result replaces the earlier one file by file. A createrepo_c run that catches that moment indexes
/// part of the build; the run the worker requests after this store returns indexes all of it.
/// Failed tries are retried with back-off (the daemon restarting, the network); when every try fails,
/// the files differ, or rsync cannot work at all, <see cref="RsyncTransferException"/> is thrown, so the
/// worker never announces a result that did not arrive. Staging dirs of results that never arrived stay
/// behind; the bstore ages them out (see systemd/reimzul.tmpfiles.conf).
/// Timestamps are reserved in the module too (<see cref="ReserveTimestampAsync"/>). What a daemon cannot do is check
/// the packages of a result against the target's other builds: in rsync mode a resubmit of a published package is
/// not refused, and <c>replace</c> moves nothing. Use bstore's HTTP uploads where that matters.
/// </summary>
public sealed class RsyncResultStore : IResultStore
{
    private const string RepoDir = "repo";

    // Next to repo/, as the local store's staging dir: same filesystem, so publishing links rather than copies.
    private const string StagingRoot = ".staging";

    // Exit codes another try cannot change: usage (1; e.g. an option the daemon's rsync lacks),
    // protocol incompatibility (2), action not supported (4).
    private static readonly int[] PermanentExitCodes = [1, 2, 4];

    private const int CouldNotStart = -1;

    // rsync's "some files were not transferred", which is how it reports a file or dir that does not exist.
    private const int PartialTransfer = 23;

    private readonly RsyncOptions _options;
    private readonly ProcessRunner _runner;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly string _moduleUrl;
    private readonly RsyncCommands _commands;
    private readonly RetryPolicy _retry;

    /// <exception cref="ArgumentException"><see cref="RsyncOptions.ModuleUrl"/> is not a usable <c>rsync://</c> URL, or a count or delay is out of range.</exception>
    public RsyncResultStore(RsyncOptions options, ProcessRunner runner, ILogger logger, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(runner);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Attempts, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.RetryDelay, TimeSpan.Zero, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxRetryDelay, options.RetryDelay, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.IoTimeout, TimeSpan.Zero, nameof(options));
        _options = options;
        _runner = runner;
        _logger = logger;
        _time = timeProvider ?? TimeProvider.System;
        _moduleUrl = RsyncModuleUrl.Normalize(options.ModuleUrl);
        _commands = new RsyncCommands(options, _moduleUrl);
        _retry = new RetryPolicy(options.RetryDelay, options.MaxRetryDelay) { MaxAttempts = options.Attempts };
    }

    public async Task StoreAsync(StoredResult result, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(result);
        var finalPath = FinalPath(result);
        if (string.IsNullOrEmpty(result.ResultDir))
        {
            throw new ArgumentException("result dir is empty", nameof(result));
        }
        var source = Path.GetFullPath(result.ResultDir);
        if (!Directory.Exists(source))
        {
            throw new DirectoryNotFoundException($"result dir {source} does not exist");
        }

        var stagingId = Guid.NewGuid().ToString("N");
        var stagingPath = StagingRoot + "/" + stagingId;
        var schedule = _retry.Start(_time);
        while (await TryTransferAsync(source, stagingPath, finalPath, cancellationToken) is { } failure)
        {
            var decision = failure.Permanent ? null : schedule.Failed();
            if (decision is null || decision.GivesUp)
            {
                if (failure.ExitCode != CouldNotStart)
                {
                    await RemoveStagingAsync(stagingId, cancellationToken);
                }
                var tries = decision is null ? "" : " " + decision.GiveUpReason;
                throw new RsyncTransferException($"{result.PkgName} {result.Evr}.{result.Arch} for {result.Target} did not arrive at {_commands.Url(finalPath)}{tries}: {failure.Describe()}");
            }
            _logger.LogWarning("upload of {Final} failed (try {Attempt} of {Attempts}): {Failure}; trying again in {Delay:0.0} s",
                finalPath, decision.Failures, _options.Attempts, failure.Describe(), decision.Delay.TotalSeconds);
            await Task.Delay(decision.Delay, _time, cancellationToken);
        }

        // The result has arrived: a stop asked for now must not turn that into a failure.
        await RemoveStagingAsync(stagingId, CancellationToken.None);
        try
        {
            Directory.Delete(source, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The result is on the bstore; a leftover local copy costs space, not correctness.
            _logger.LogWarning("stored {Final} but could not remove the source {Source}: {Reason}", finalPath, source, ex.Message);
        }
        _logger.LogInformation("stored result {Url}", _commands.Url(finalPath));
    }

    /// <summary>
    /// Reserves by marker, as a daemon module offers no exclusive create: the build leaves
    /// <c>.reserved-KEY</c> in the candidate dir, then lists it, and has the timestamp only when its marker is all the dir
    /// holds. Of two builds racing for one second, the one that listed after both markers arrived sees two, so at
    /// most one ever wins (both may lose and move on to the next second). The timestamp is recorded under
    /// <c>repo/TARGET/.reimzul/builds/</c> for the build's redeliveries, as the local store records it.
    /// </summary>
    /// <exception cref="ArgumentException">A name is not usable, or the proposed timestamp is not <c>%Y%m%d%H%M%S</c>.</exception>
    /// <exception cref="RsyncTransferException">The daemon stayed unreachable.</exception>
    public async Task<string> ReserveTimestampAsync(TimestampReservation reservation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reservation);
        var target = PathSegments.Check(reservation.Target, "target");
        var pkgName = PathSegments.CheckPkgName(reservation.PkgName);
        ArgumentException.ThrowIfNullOrEmpty(reservation.BuildId);
        var time = TargetLedger.ParseTimestamp(reservation.ProposedTimestamp);
        var marker = TargetLedger.ReservationMarker(reservation.BuildId);
        var record = $"{RepoDir}/{target}/.reimzul/builds/{TargetLedger.BuildRecordKey(pkgName, reservation.BuildId)}";
        string Dir(string timestamp) => $"{RepoDir}/{target}/{pkgName}/{timestamp}";

        if (await DownloadTextAsync(record, cancellationToken) is { } text && text.Trim() is { Length: 14 } earlier
            && (await ListAsync(Dir(earlier), cancellationToken))?.Contains(marker) == true)
        {
            return earlier;
        }
        for (var bump = 0; bump < 86_400; bump++, time = time.AddSeconds(1))
        {
            var candidate = time.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);
            var before = await ListAsync(Dir(candidate), cancellationToken);
            if (before is { Count: > 0 } && !before.SequenceEqual([marker]))
            {
                continue;
            }
            await UploadTextAsync(Dir(candidate) + "/" + marker, reservation.BuildId + "\n", cancellationToken);
            if (await ListAsync(Dir(candidate), cancellationToken) is [var only] && only == marker)
            {
                await UploadTextAsync(record, candidate + "\n", cancellationToken);
                return candidate;
            }
        }
        throw new RsyncTransferException($"{pkgName} has builds in every second of the day after {reservation.ProposedTimestamp} at {_moduleUrl}/{RepoDir}/{target}");
    }

    /// <exception cref="RsyncTransferException">The daemon stayed unreachable.</exception>
    public async Task<StoredOutcome?> FindStoredAsync(ResultPlace place, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(place);
        var path = FinalPath(new StoredResult("", place.Target, place.PkgName, place.Timestamp, place.Evr, place.Arch)) + "/" + StoredOutcome.FileName;
        return await DownloadTextAsync(path, cancellationToken) is { } text && StoredOutcome.TryParse(text, out var outcome) ? outcome : null;
    }

    private async Task<IReadOnlyList<string>?> ListAsync(string remoteDir, CancellationToken cancellationToken)
    {
        var (found, output) = await QueryAsync("list", _commands.List(remoteDir), cancellationToken);
        return found ? RsyncCommands.ListedNames(output) : null;
    }

    private async Task<string?> DownloadTextAsync(string remoteFile, CancellationToken cancellationToken)
    {
        var local = Directory.CreateTempSubdirectory("reimzul-rsync-");
        try
        {
            var (found, _) = await QueryAsync("download", _commands.Download(remoteFile, local.FullName), cancellationToken);
            var file = Path.Combine(local.FullName, remoteFile[(remoteFile.LastIndexOf('/') + 1)..]);
            return found && File.Exists(file) ? await File.ReadAllTextAsync(file, cancellationToken) : null;
        }
        finally
        {
            local.Delete(recursive: true);
        }
    }

    private async Task UploadTextAsync(string remoteFile, string text, CancellationToken cancellationToken)
    {
        var local = Directory.CreateTempSubdirectory("reimzul-rsync-");
        try
        {
            var file = Path.Combine(local.FullName, "upload");
            await File.WriteAllTextAsync(file, text, cancellationToken);
            await QueryAsync("upload", _commands.UploadFile(file, remoteFile), cancellationToken);
        }
        finally
        {
            local.Delete(recursive: true);
        }
    }

    /// <summary>One small rsync run, retried while the daemon is away; false when what it reads does not exist (rsync's 23, "No such file").</summary>
    private async Task<(bool Found, string Output)> QueryAsync(string step, ProcessSpec spec, CancellationToken cancellationToken)
    {
        var schedule = _retry.Start(_time);
        while (true)
        {
            var (failure, output) = await RunAsync(step, spec, cancellationToken);
            if (failure is null)
            {
                return (true, output);
            }
            if (failure.ExitCode == PartialTransfer && failure.Detail.Contains("No such file", StringComparison.Ordinal))
            {
                return (false, "");
            }
            var decision = failure.Permanent ? null : schedule.Failed();
            if (decision is null || decision.GivesUp)
            {
                throw new RsyncTransferException($"rsync {step} at {_moduleUrl} failed{(decision is null ? "" : " " + decision.GiveUpReason)}: {failure.Describe()}");
            }
            _logger.LogWarning("rsync {Step} at {Module} failed: {Failure}; trying again in {Delay:0.0} s", step, _moduleUrl, failure.Describe(), decision.Delay.TotalSeconds);
            await Task.Delay(decision.Delay, _time, cancellationToken);
        }
    }

    /// <summary>One try of upload, publish and verify; null when the result is in place and identical.</summary>
    private async Task<Failure?> TryTransferAsync(string source, string stagingPath, string finalPath, CancellationToken cancellationToken)
    {
        var upload = await RunAsync("upload", _commands.Upload(source, stagingPath), cancellationToken);
        if (upload.Failure is { } uploadFailure)
        {
            return uploadFailure;
        }
        var publish = await RunAsync("publish", _commands.Publish(source, finalPath, stagingPath), cancellationToken);
        if (publish.Failure is { } publishFailure)
        {
            return publishFailure;
        }
        var verify = await RunAsync("verify", _commands.Verify(source, finalPath), cancellationToken);
        if (verify.Failure is { } verifyFailure)
        {
            return verifyFailure;
        }
        var differences = verify.Output
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(line => line.StartsWith(RsyncCommands.DifferenceMarker, StringComparison.Ordinal))
            .Select(line => line[RsyncCommands.DifferenceMarker.Length..])
            .ToList();
        return differences.Count == 0
            ? null
            : new Failure("verify", 0, "the files on the bstore differ from the result: " + string.Join(", ", differences.Take(10)), Permanent: false);
    }

    private async Task<(Failure? Failure, string Output)> RunAsync(string step, ProcessSpec spec, CancellationToken cancellationToken)
    {
        ProcessResult run;
        try
        {
            run = await _runner.RunAsync(spec, cancellationToken);
        }
        catch (ProcessStartException ex)
        {
            return (new Failure(step, CouldNotStart, ex.Message, Permanent: true), "");
        }
        return run.Succeeded
            ? (null, run.StandardOutput)
            : (new Failure(step, run.ExitCode, Tail(run.StandardError), PermanentExitCodes.Contains(run.ExitCode)), run.StandardOutput);
    }

    /// <summary>Best effort: a staging dir left behind takes space on the bstore until it is aged out, nothing else.</summary>
    private async Task RemoveStagingAsync(string stagingId, CancellationToken cancellationToken)
    {
        var staging = StagingRoot + "/" + stagingId;
        try
        {
            var empty = Directory.CreateTempSubdirectory("reimzul-rsync-");
            try
            {
                var (failure, _) = await RunAsync("remove staging", _commands.RemoveStaging(empty.FullName, StagingRoot, stagingId), cancellationToken);
                if (failure is not null)
                {
                    _logger.LogWarning("could not remove {Staging} on the bstore: {Failure}", staging, failure.Describe());
                }
            }
            finally
            {
                empty.Delete(recursive: true);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _logger.LogWarning("could not remove {Staging} on the bstore: {Reason}", staging, ex.Message);
        }
    }

    /// <summary>The result's place relative to the module; names pass the checks of the local store.</summary>
    private static string FinalPath(StoredResult result)
    {
        var target = PathSegments.Check(result.Target, "target");
        var pkgName = PathSegments.CheckPkgName(result.PkgName);
        var timestamp = PathSegments.Check(result.Timestamp, "timestamp");
        var evr = PathSegments.Check(result.Evr, "evr");
        var arch = PathSegments.Check(result.Arch, "arch");
        return string.Join('/', RepoDir, target, pkgName, timestamp, evr + "." + arch);
    }

    // rsync ends with a generic "rsync error: ... (code N)" line; the lines before it say what went wrong.
    private static string Tail(string stderr)
    {
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var text = string.Join("; ", lines.TakeLast(4));
        return text.Length <= 600 ? text : text[^600..];
    }

    private sealed record Failure(string Step, int ExitCode, string Detail, bool Permanent)
    {
        public string Describe() => ExitCode > 0 ? $"{Step}: rsync exited with {ExitCode}: {Detail}" : $"{Step}: {Detail}";
    }
}
