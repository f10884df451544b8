using System.Text.Json.Serialization;

namespace Reimzul.Messages;

/// <summary>
/// A state change of one build, put on <c>notify</c>. Carries every field of the build job
/// plus the original notifier's fields; new fields are optional and never renamed.
/// </summary>
public sealed record BuildEvent
{
    [JsonPropertyName("srpm")] public string Srpm { get; init; } = "";
    [JsonPropertyName("arch")] public string Arch { get; init; } = "";
    [JsonPropertyName("target")] public string Target { get; init; } = "";
    [JsonPropertyName("disttag")] public string Disttag { get; init; } = "";
    [JsonPropertyName("scratch")] public bool Scratch { get; init; }
    [JsonPropertyName("submitter")] public string? Submitter { get; init; }
    [JsonPropertyName("build_id")] public string? BuildId { get; init; }

    /// <summary><see cref="BuildStatus.Building"/>, <see cref="BuildStatus.Success"/> or <see cref="BuildStatus.Failed"/>.</summary>
    [JsonPropertyName("status")] public string Status { get; init; } = "";
    [JsonPropertyName("builder_fqdn")] public string BuilderFqdn { get; init; } = "";

    /// <summary>version-release of the SRPM.</summary>
    [JsonPropertyName("evr")] public string Evr { get; init; } = "";
    [JsonPropertyName("pkgname")] public string PkgName { get; init; } = "";

    /// <summary><c>%Y%m%d%H%M%S</c>, one per build, shared by its chained builds.</summary>
    [JsonPropertyName("timestamp")] public string Timestamp { get; init; } = "";

    /// <summary>Why a build failed, in words for the operator.</summary>
    [JsonPropertyName("reason")] public string? Reason { get; init; }

    /// <summary>Seconds the build step took (on Success/Failed).</summary>
    [JsonPropertyName("duration_s")] public double? DurationSeconds { get; init; }

    public static BuildEvent From(BuildJob job) => new()
    {
        Srpm = job.Srpm,
        Arch = job.Arch,
        Target = job.Target,
        Disttag = job.Disttag,
        Scratch = job.Scratch,
        Submitter = job.Submitter,
        BuildId = job.BuildId,
    };
}
