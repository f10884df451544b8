using Reimzul.History;
using Reimzul.Messages;
using Reimzul.Queue;

namespace Reimzul.Status;

/// <summary>
/// What the web API reads: builds from the history (filtered, paged, newest first; one build with its arches; a
/// package's history), queue figures and buried jobs from the queue, and the builders seen lately with what each
/// builds (their Building records that have no result yet).
/// </summary>
public sealed class ReadModel(IHistoryStore history, IJobQueueFactory queues, BuildLocations locations, TimeProvider time)
{
    /// <summary>The most buried jobs listed per tube.</summary>
    public const int MaxBuriedListed = 100;

    /// <exception cref="ArgumentException">The query cannot be answered (a limit out of range, a cursor this history did not make).</exception>
    public async Task<BuildList> ListBuildsAsync(BuildQuery query, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(query);
        // Nothing is recorded before a build starts, so the history holds no queued build.
        if (query.Status == BuildStates.Queued)
        {
            return new BuildList();
        }
        var page = await history.ListAsync(query, ct);
        return new BuildList { Builds = [.. page.Records.Select(Row)], NextCursor = page.NextCursor };
    }

    /// <summary>The build with its arches; null when the history knows no record of it.</summary>
    public async Task<BuildDetail?> GetBuildAsync(string buildId, CancellationToken ct)
    {
        var records = await history.BuildAsync(buildId, ct);
        if (records.Count == 0)
        {
            return null;
        }
        var first = records[0];
        var arches = records
            .GroupBy(r => r.Arch, StringComparer.Ordinal)
            .Select(Arch)
            .ToList();
        return new BuildDetail
        {
            BuildId = buildId,
            Srpm = first.Srpm,
            PkgName = first.PkgName,
            Evr = records.LastOrDefault(r => r.Evr.Length > 0)?.Evr ?? "",
            Target = first.Target,
            Submitter = first.Submitter,
            Scratch = first.Scratch,
            Arches = arches,
        };
    }

    public async Task<QueueFigures> QueuesAsync(CancellationToken ct)
    {
        await using var admin = await queues.OpenAdminAsync(ct);
        var names = (await admin.ListTubesAsync(ct)).Where(t => t != "default").Union(Tubes.Standard).Distinct().Order(StringComparer.Ordinal);
        var tubes = new List<TubeFigures>();
        foreach (var name in names)
        {
            var s = await admin.StatsTubeAsync(name, ct);
            tubes.Add(new TubeFigures { Tube = s.Tube, Ready = s.Ready, Reserved = s.Reserved, Delayed = s.Delayed, Buried = s.Buried, Watching = s.Watching });
        }
        return new QueueFigures { Tubes = tubes };
    }

    /// <param name="tube">One tube, or null for every tube that has buried jobs.</param>
    public async Task<BuriedList> BuriedAsync(string? tube, CancellationToken ct)
    {
        await using var admin = await queues.OpenAdminAsync(ct);
        IEnumerable<string> names = tube is null ? await admin.ListTubesAsync(ct) : [tube];
        var jobs = new List<BuriedView>();
        foreach (var name in names.Order(StringComparer.Ordinal))
        {
            if (tube is null && (await admin.StatsTubeAsync(name, ct)).Buried == 0)
            {
                continue;
            }
            foreach (var job in await admin.BuriedAsync(name, MaxBuriedListed, ct))
            {
                jobs.Add(new BuriedView
                {
                    Tube = job.Tube,
                    Id = job.Id,
                    // beanstalkd keeps no reason: the body checked again says what is wrong with it.
                    Reason = job.Reason ?? MessageChecks.Problem(job.Tube, job.Body),
                    Body = job.Body,
                    BuriedAt = job.BuriedAt,
                });
            }
        }
        return new BuriedList { Jobs = jobs };
    }

    /// <summary>The builders that recorded an event within <paramref name="within"/>, and the builds each has under way.</summary>
    public async Task<BuilderList> BuildersAsync(TimeSpan within, CancellationToken ct)
    {
        var seen = await history.BuildersSeenAsync(time.GetUtcNow() - within, ct);
        var building = (await history.BuildingAsync(ct))
            .Where(r => r.BuilderFqdn.Length > 0)
            .ToLookup(r => r.BuilderFqdn, StringComparer.Ordinal);
        var builders = seen.Select(b =>
        {
            var current = building[b.Name]
                .OrderByDescending(r => r.RecordedAt)
                .Select(r => new CurrentBuild { BuildId = r.BuildId, Arch = r.Arch, Srpm = r.Srpm, Since = r.RecordedAt })
                .ToList();
            return new BuilderView { Name = b.Name, LastSeen = b.LastSeen, Current = current.FirstOrDefault(), Building = current };
        });
        return new BuilderList { Builders = [.. builders] };
    }

    private BuildRow Row(BuildRecord r) => new()
    {
        BuildId = r.BuildId,
        Srpm = r.Srpm,
        PkgName = r.PkgName,
        Evr = r.Evr,
        Target = r.Target,
        Arch = r.Arch,
        Status = r.Status,
        Timestamp = r.Timestamp,
        Submitter = r.Submitter,
        Builder = NullIfEmpty(r.BuilderFqdn),
        RecordedAt = r.RecordedAt,
        LogUrl = HasResult(r) ? locations.LogUrl(r, BuildLocations.BuildLog) : null,
    };

    private ArchDetail Arch(IGrouping<string, BuildRecord> records)
    {
        // The current record: the newest that is not Done (a result, an Override, a Canceled, or a Building under way).
        var current = records.LastOrDefault(r => r.Status != BuildStatus.Done) ?? records.Last();
        var attempt = records.Where(r => r.Timestamp == current.Timestamp).ToList();
        var started = attempt.FirstOrDefault(r => r.Status is BuildStatus.Building or BuildStatus.Done)?.RecordedAt;
        var finished = BuildStates.IsFinal(current.Status) ? current.RecordedAt : (DateTimeOffset?)null;
        var duration = current.DurationSeconds ?? (started is { } s && finished is { } f ? (f - s).TotalSeconds : null);
        var hasResult = HasResult(current);
        return new ArchDetail
        {
            Arch = current.Arch,
            Status = current.Status,
            Timestamp = current.Timestamp,
            Target = current.Target,
            Builder = NullIfEmpty(current.BuilderFqdn),
            StartedAt = started,
            FinishedAt = finished,
            DurationSeconds = duration,
            LogUrl = hasResult ? locations.LogUrl(current, BuildLocations.BuildLog) : null,
            RootLogUrl = hasResult ? locations.LogUrl(current, BuildLocations.RootLog) : null,
            Rpms = hasResult ? locations.RpmUrls(current) : [],
            Reason = current.Reason,
            Comment = current.Comment,
            SupersededAttempts = records.Select(r => r.Timestamp).Distinct(StringComparer.Ordinal).Count() - 1,
        };
    }

    // Success and Failed (and an Override of either) left their logs on bstore; a Building or Canceled one may not have.
    private static bool HasResult(BuildRecord r) => r.Status is BuildStatus.Success or BuildStatus.Failed or BuildStatus.Override;

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;
}
