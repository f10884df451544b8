using System.Text.Json.Serialization;

namespace Reimzul.Status;

/// <summary>One build of one arch in a list: its current state (<c>BuildRow</c> of the API contract).</summary>
public sealed record BuildRow
{
    public string? BuildId { get; init; }
    public string Srpm { get; init; } = "";
    [JsonPropertyName("pkgname")] public string PkgName { get; init; } = "";
    public string Evr { get; init; } = "";
    public string Target { get; init; } = "";
    public string Arch { get; init; } = "";
    public string Status { get; init; } = "";

    /// <summary>The build's <c>%Y%m%d%H%M%S</c> key, as in the repo path and the notify events (the builder's local time).</summary>
    public string Timestamp { get; init; } = "";
    public string? Submitter { get; init; }
    public string? Builder { get; init; }
    public DateTimeOffset RecordedAt { get; init; }

    /// <summary>build.log where bstore serves it, once the build has a result; null before.</summary>
    public string? LogUrl { get; init; }
}

/// <summary>A page of <see cref="BuildRow"/>s, newest first.</summary>
public sealed record BuildList
{
    public IReadOnlyList<BuildRow> Builds { get; init; } = [];

    /// <summary>Pass as <c>cursor</c> for the next page; null on the last one.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public string? NextCursor { get; init; }
}

/// <summary>A package's history: its builds, newest first.</summary>
public sealed record PackageHistory
{
    public string Package { get; init; } = "";
    public IReadOnlyList<BuildRow> Builds { get; init; } = [];
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public string? NextCursor { get; init; }
}

/// <summary>A submitted job and its chained builds, tied by <c>build_id</c>.</summary>
public sealed record BuildDetail
{
    public string BuildId { get; init; } = "";
    public string Srpm { get; init; } = "";
    [JsonPropertyName("pkgname")] public string PkgName { get; init; } = "";
    public string Evr { get; init; } = "";
    public string Target { get; init; } = "";
    public string? Submitter { get; init; }
    public bool Scratch { get; init; }
    public IReadOnlyList<ArchDetail> Arches { get; init; } = [];
}

/// <summary>One arch of a build: its state, times, builder, result and logs.</summary>
public sealed record ArchDetail
{
    public string Arch { get; init; } = "";
    public string Status { get; init; } = "";
    public string Timestamp { get; init; } = "";

    /// <summary>The target of this arch's job (a chained build has its own).</summary>
    public string Target { get; init; } = "";
    public string? Builder { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }
    [JsonPropertyName("duration_s")] public double? DurationSeconds { get; init; }
    public string? LogUrl { get; init; }
    public string? RootLogUrl { get; init; }
    public IReadOnlyList<string> Rpms { get; init; } = [];
    public string? Reason { get; init; }
    public string? Comment { get; init; }

    /// <summary>Earlier attempts of this arch that never reported (their worker died and the job came back).</summary>
    public int SupersededAttempts { get; init; }
}

/// <summary>Jobs per state in one tube.</summary>
public sealed record TubeFigures
{
    public string Tube { get; init; } = "";
    public long Ready { get; init; }
    public long Reserved { get; init; }
    public long Delayed { get; init; }
    public long Buried { get; init; }
    public long Watching { get; init; }
}

public sealed record QueueFigures
{
    public IReadOnlyList<TubeFigures> Tubes { get; init; } = [];
}

/// <summary>A builder seen lately and what it builds now.</summary>
public sealed record BuilderView
{
    public string Name { get; init; } = "";
    public DateTimeOffset LastSeen { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public CurrentBuild? Current { get; init; }

    /// <summary>Every build it has under way (a builder may run several workers); <see cref="Current"/> is the newest.</summary>
    public IReadOnlyList<CurrentBuild> Building { get; init; } = [];
}

public sealed record CurrentBuild
{
    public string? BuildId { get; init; }
    public string Arch { get; init; } = "";
    public string Srpm { get; init; } = "";
    public DateTimeOffset Since { get; init; }
}

public sealed record BuilderList
{
    public IReadOnlyList<BuilderView> Builders { get; init; } = [];
}

public sealed record BuriedView
{
    public string Tube { get; init; } = "";
    public long Id { get; init; }
    public string? Reason { get; init; }
    public string Body { get; init; } = "";
    public DateTimeOffset? BuriedAt { get; init; }
}

public sealed record BuriedList
{
    public IReadOnlyList<BuriedView> Jobs { get; init; } = [];
}
