using System.Globalization;
using Microsoft.Extensions.Logging;
using Reimzul.History;
using Reimzul.Messages;
using Reimzul.Queue;
using Reimzul.Rpm;
using Reimzul.Submit;

namespace Reimzul.Chains;

/// <summary>Where a chain stands after <see cref="ChainRunner.AdvanceAsync"/>.</summary>
public enum ChainStep
{
    /// <summary>A group is queued or building, or built but not yet listed in repodata: look again later.</summary>
    Waiting,

    /// <summary>Every group succeeded.</summary>
    Done,

    /// <summary>A build failed: the later groups were recorded Canceled and will not be built.</summary>
    Stopped,
}

/// <summary>
/// Moves a chain on: finds the first group not yet complete (every build Success in the history and listed in the
/// target's repodata), submits it if it is not queued yet (with the chain's build ids, so a repeat after a crash
/// queues nothing twice), and stops the chain at the first failed build, announcing every build of the later groups
/// as Canceled ("chain stopped: …"). Safe to run again at any point, on any delivery of the chain job.
/// </summary>
public sealed class ChainRunner(BuildSubmitter submitter, IHistoryStore history, string repoRoot, IJobQueueFactory queues, ILogger logger, TimeProvider time)
{
    private static readonly TimeSpan EventTtr = TimeSpan.FromMinutes(2);
    private readonly RepoListing _listing = new(repoRoot);

    public async Task<ChainStep> AdvanceAsync(ChainJob chain, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(chain);
        for (var g = 0; g < chain.Groups.Count; g++)
        {
            var group = chain.Groups[g];
            await EnsureQueuedAsync(chain, g, ct);
            // Only the builds of the groups reached so far, each by its id: the work follows the chain, not the size
            // of the target's history, and a later build of the same package elsewhere cannot hide this one's result.
            var records = new Dictionary<string, List<BuildRecord>>(StringComparer.Ordinal);
            foreach (var build in group)
            {
                records[build.BuildId] = [.. (await history.BuildAsync(build.BuildId, ct)).Where(r => r.Status != BuildStatus.Done)];
            }
            if (group.FirstOrDefault(b => IsFailure(records[b.BuildId])) is { } failed)
            {
                await StopAsync(chain, g, failed, records[failed.BuildId].First(), ct);
                return ChainStep.Stopped;
            }
            if (!group.All(b => IsListed(chain, records[b.BuildId])))
            {
                return ChainStep.Waiting;
            }
        }
        logger.LogInformation("chain {Chain} for {Target}: all {Groups} groups built and listed", chain.ChainId, chain.JobTarget, chain.Groups.Count);
        return ChainStep.Done;
    }

    private async Task EnsureQueuedAsync(ChainJob chain, int g, CancellationToken ct)
    {
        var toSubmit = chain.Groups[g].Where(b => b.Srpm is not null).ToList();
        if (toSubmit.Count == 0 || toSubmit.All(b => submitter.IsKnownBuildId(b.BuildId)))
        {
            return;
        }
        var orders = toSubmit.Select(b => new SubmitOrder(b.Srpm!, chain.Arch, chain.Target, chain.Disttag, chain.Scratch, Now: false, Background: chain.Background)).ToList();
        await submitter.SubmitManyAsync(orders, chain.Submitter, [.. toSubmit.Select(b => b.BuildId)], ct);
        logger.LogInformation("chain {Chain} for {Target}: group {Group} of {Groups} queued ({Count} builds)", chain.ChainId, chain.JobTarget, g + 1, chain.Groups.Count, orders.Count);
    }

    private static bool IsFailure(IEnumerable<BuildRecord> records) =>
        records.Any(r => r.Status is BuildStatus.Failed or BuildStatus.Canceled);

    // Every arch of the build (a chained i386 build included) succeeded, and the repodata lists the build's packages.
    private bool IsListed(ChainJob chain, IEnumerable<BuildRecord> records)
    {
        var list = records.ToList();
        return list.Count > 0
            && list.All(r => r.Status is BuildStatus.Success or BuildStatus.Override)
            && _listing.Lists(chain.JobTarget, list[0].PkgName, list[0].Timestamp);
    }

    private async Task StopAsync(ChainJob chain, int failedGroup, ChainBuild failed, BuildRecord record, CancellationToken ct)
    {
        var what = failed.Srpm ?? record.Srpm;
        var reason = $"chain stopped: {what} failed";
        var timestamp = time.GetLocalNow().ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);
        await using var queue = await queues.OpenProducerAsync(ct);
        var canceled = 0;
        foreach (var build in chain.Groups.Skip(failedGroup + 1).SelectMany(g => g).Where(b => b.Srpm is not null))
        {
            var pkg = IncomingSrpms.PackageOf(submitter.Incoming, build.Srpm!);
            var ev = new BuildEvent
            {
                Srpm = build.Srpm!,
                Arch = chain.Arch,
                Target = chain.JobTarget,
                Disttag = chain.Disttag,
                Scratch = chain.Scratch,
                Submitter = chain.Submitter,
                BuildId = build.BuildId,
                Status = BuildStatus.Canceled,
                // No builder took it; the log line names who decided.
                BuilderFqdn = "chain",
                PkgName = pkg.Name,
                Evr = pkg.Evr,
                Timestamp = timestamp,
                Reason = reason,
            };
            await queue.PutAsync(Tubes.Notify, MessageJson.Serialize(ev), Tubes.PriorityNormal, TimeSpan.Zero, EventTtr, ct);
            canceled++;
        }
        logger.LogWarning("chain {Chain} for {Target}: {Reason} (group {Group} of {Groups}); {Count} later builds recorded Canceled, not built",
            chain.ChainId, chain.JobTarget, reason, failedGroup + 1, chain.Groups.Count, canceled);
    }
}
