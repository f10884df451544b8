using System.Globalization;
using Microsoft.Extensions.Logging;
using Reimzul.Config;
using Reimzul.Files;
using Reimzul.Processes;
using Reimzul.Telemetry;

namespace Reimzul.Repogen;

/// <summary>
/// Regenerates a target's repodata with createrepo_c, one run at a time per target across all
/// local processes, coalescing requests without ever dropping one. A request is a durable bump
/// of the target's requested generation; a runner covers every generation requested before its
/// run started, and runs again while newer ones arrive.
/// </summary>
public sealed class RepoRegenerator
{
    // A hung createrepo_c would hold the target's lock for ever; tiny repos take well under a second.
    private static readonly TimeSpan CreaterepoTimeout = TimeSpan.FromHours(1);

    private readonly ReimzulPaths paths;
    private readonly RepogenOptions options;
    private readonly ProcessRunner runner;
    private readonly ILogger logger;
    private readonly RepogenStateStore states;

    public RepoRegenerator(ReimzulPaths paths, RepogenOptions options, ProcessRunner runner, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(runner);
        ArgumentNullException.ThrowIfNull(logger);
        if (options.Workers < 1)
        {
            throw new ArgumentException($"createrepo workers must be at least 1, got {options.Workers}", nameof(options));
        }
        if (options.RetainOldMd < 0)
        {
            throw new ArgumentException($"retained old repodata must be 0 or more, got {options.RetainOldMd}", nameof(options));
        }
        this.paths = paths;
        this.options = options;
        this.runner = runner;
        this.logger = logger;
        states = new RepogenStateStore(paths.RepogenState, logger);
    }

    /// <summary>
    /// Durably marks <paramref name="target"/> as needing a run. Once this returns the request
    /// survives a crash, so the queue job that carried it may be deleted.
    /// </summary>
    public async Task RequestAsync(string target, CancellationToken cancellationToken)
    {
        PathSegments.Check(target, "target");
        var state = await states.UpdateAsync(target, s => s with { Requested = s.Requested + 1 }, cancellationToken);
        logger.LogDebug("repodata of {Target} requested (generation {Generation})", target, state.Requested);
    }

    /// <summary>
    /// Why <paramref name="target"/> is no repo to regenerate under <paramref name="repoRoot"/>: null when a build was
    /// ever stored for it (its directory exists). createrepo_c would otherwise create an empty repo for a mistyped target.
    /// </summary>
    public static string? NeverBuilt(string repoRoot, string target)
    {
        ArgumentNullException.ThrowIfNull(repoRoot);
        var repoDir = PathSegments.Under(repoRoot, PathSegments.Check(target, "target"));
        return Directory.Exists(repoDir)
            ? null
            : $"target {target} has no builds: {repoDir} does not exist; not creating an empty repo";
    }

    /// <summary>Why <paramref name="target"/> is no repo of this store to regenerate; null when it has builds.</summary>
    public string? NeverBuilt(string target) => NeverBuilt(paths.Repo, target);

    /// <summary>
    /// Runs createrepo_c on <paramref name="target"/> until every request made so far is covered.
    /// Returns at once, <see cref="RepogenReport.Busy"/>, when another runner holds the target: it
    /// will see the requests. A failed run ends the call and leaves the target dirty for a later call.
    /// </summary>
    public async Task<RepogenReport> RunPendingAsync(string target, CancellationToken cancellationToken)
    {
        PathSegments.Check(target, "target");
        var runs = 0;
        while (true)
        {
            using (var runLock = states.TryLockRuns(target))
            {
                if (runLock is null)
                {
                    return new RepogenReport(target, runs, 0, null, Busy: true);
                }
                while (states.Read(target) is { Dirty: true } pending)
                {
                    // Everything requested up to here is on disk when createrepo_c starts walking the tree.
                    var generation = pending.Requested;
                    runs++;
                    var error = await CreaterepoAsync(target, cancellationToken);
                    if (error is not null)
                    {
                        await states.UpdateAsync(target, s => s with { Runs = s.Runs + 1, Failures = s.Failures + 1 }, cancellationToken);
                        logger.LogError("createrepo_c failed on {Target}; it stays pending: {Error}", target, error);
                        return new RepogenReport(target, runs, 1, error, Busy: false);
                    }
                    await states.UpdateAsync(target, s => s with { Runs = s.Runs + 1, Completed = Math.Max(s.Completed, generation) }, cancellationToken);
                }
                if (AfterLastCheck is { } hook)
                {
                    await hook(target);
                }
            }
            // A request made after the last check but before the release found the lock taken and
            // left it to us; unless someone else has the lock by now, it is still ours to do.
            if (!states.Read(target).Dirty)
            {
                return new RepogenReport(target, runs, 0, null, Busy: false);
            }
        }
    }

    /// <summary>Runs every target with pending requests, including those left by a process that died.</summary>
    public async Task<IReadOnlyList<RepogenReport>> RunAllPendingAsync(CancellationToken cancellationToken)
    {
        var reports = new List<RepogenReport>();
        foreach (var target in states.Targets())
        {
            try
            {
                PathSegments.Check(target, "target");
            }
            catch (ArgumentException ex)
            {
                logger.LogWarning("ignoring repogen state for an invalid target: {Reason}", ex.Message);
                continue;
            }
            if (states.Read(target).Dirty)
            {
                reports.Add(await RunPendingAsync(target, cancellationToken));
            }
        }
        return reports;
    }

    /// <summary>The durable figures of <paramref name="target"/> (all zero when it was never requested).</summary>
    public RepogenState GetState(string target) => states.Read(PathSegments.Check(target, "target"));

    /// <summary>Called, lock still held, once a runner has found nothing left to do: lets tests request in the window the re-check after release exists for.</summary>
    internal Func<string, Task>? AfterLastCheck { get; set; }

    internal string RunLockPath(string target) => states.RunLockPath(PathSegments.Check(target, "target"));

    /// <summary>One createrepo_c run, the caller holding the target's run lock; null on success, else why it failed.</summary>
    private async Task<string?> CreaterepoAsync(string target, CancellationToken cancellationToken)
    {
        var repoDir = PathSegments.Under(paths.Repo, target);
        var cacheDir = Path.Combine(paths.Cache, "createrepo");
        try
        {
            Directory.CreateDirectory(repoDir);
            Directory.CreateDirectory(cacheDir);
            var leftover = Path.Combine(repoDir, ".repodata");
            if (Directory.Exists(leftover))
            {
                // We hold the lock, so no run of ours is using it: a killed run left it, and createrepo_c refuses to start while it exists.
                logger.LogWarning("removing {Dir} left by an interrupted createrepo_c run", leftover);
                Directory.Delete(leftover, recursive: true);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return $"cannot prepare {repoDir}: {ex.Message}";
        }

        var spec = new ProcessSpec(options.CreaterepoPath, CreaterepoArguments(options, cacheDir, repoDir)) { Timeout = CreaterepoTimeout };
        ProcessResult result;
        try
        {
            result = await runner.RunAsync(spec, cancellationToken);
        }
        catch (ProcessStartException ex)
        {
            return ex.Message;
        }
        ReimzulMetrics.CreaterepoRan(target, !result.TimedOut && result.ExitCode == 0, result.Duration);
        if (result.TimedOut)
        {
            return $"createrepo_c on {repoDir} killed after {CreaterepoTimeout}";
        }
        if (result.ExitCode != 0)
        {
            return $"createrepo_c on {repoDir} exited with {result.ExitCode}: {Tail(result)}";
        }
        logger.LogInformation("repodata of {Target} regenerated in {Seconds:F2} s", target, result.Duration.TotalSeconds);
        return null;
    }

    private static string Tail(ProcessResult result)
    {
        var text = result.StandardError.Trim();
        if (text.Length == 0)
        {
            text = result.StandardOutput.Trim();
        }
        return text.Length > 1000 ? "..." + text[^1000..] : text;
    }

    internal static IReadOnlyList<string> CreaterepoArguments(RepogenOptions options, string cacheDir, string repoDir) =>
    [
        "--update",
        "--workers", options.Workers.ToString(CultureInfo.InvariantCulture),
        "--cachedir", cacheDir,
        options.Sqlite ? "--database" : "--no-database",
        // Without --compatibility, createrepo_c >= 0.14.4 keeps every old generation when N > 0.
        "--retain-old-md", options.RetainOldMd.ToString(CultureInfo.InvariantCulture),
        "--compatibility",
        repoDir,
    ];
}
