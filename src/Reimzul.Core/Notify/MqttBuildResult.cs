using System.Text.Json.Serialization;

namespace Reimzul.Notify;

/// <summary>
/// The payload on <c>TOPIC/builds/results</c>: the original's fields (srpm, status, target, arch, timestamp,
/// submitter) under their names, then the new ones. Subscribers that know only the original keep working.
/// </summary>
public sealed record MqttBuildResult
{
    [JsonPropertyName("srpm")] public string Srpm { get; init; } = "";
    [JsonPropertyName("status")] public string Status { get; init; } = "";
    [JsonPropertyName("target")] public string Target { get; init; } = "";
    [JsonPropertyName("arch")] public string Arch { get; init; } = "";
    [JsonPropertyName("timestamp")] public string Timestamp { get; init; } = "";
    [JsonPropertyName("submitter")] public string? Submitter { get; init; }
    [JsonPropertyName("build_id")] public string? BuildId { get; init; }
    [JsonPropertyName("evr")] public string Evr { get; init; } = "";
    [JsonPropertyName("pkgname")] public string PkgName { get; init; } = "";
    [JsonPropertyName("scratch")] public bool Scratch { get; init; }
    [JsonPropertyName("builder_fqdn")] public string BuilderFqdn { get; init; } = "";

    /// <summary>Where the build's logs are on bstore; null for a Building event (nothing is stored yet).</summary>
    [JsonPropertyName("log_url")] public string? LogUrl { get; init; }
}
