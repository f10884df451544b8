using System.Text.Json.Serialization;

namespace Reimzul.History;

/// <summary>One row of the build history, shaped as the original's <c>notify_history</c> documents.</summary>
public sealed record BuildRecord
{
    public string Srpm { get; init; } = "";
    public string Arch { get; init; } = "";
    public string Target { get; init; } = "";
    public string Disttag { get; init; } = "";
    public bool Scratch { get; init; }
    public string? Submitter { get; init; }
    public string? BuildId { get; init; }

    /// <summary>Building, Done, Success, Failed or Override.</summary>
    public string Status { get; init; } = "";
    public string BuilderFqdn { get; init; } = "";
    public string Evr { get; init; } = "";
    [JsonPropertyName("pkgname")]
    public string PkgName { get; init; } = "";
    public string Timestamp { get; init; } = "";
    public bool LatestBuild { get; init; }
    public string? Comment { get; init; }
    public string? Reason { get; init; }

    /// <summary>Seconds the build step took, on a result recorded with it.</summary>
    [JsonPropertyName("duration_s")]
    public double? DurationSeconds { get; init; }
    public DateTimeOffset RecordedAt { get; init; }

    /// <summary>The id the record had in the history it was imported from (a MongoDB ObjectId), when known.</summary>
    [JsonIgnore]
    public string? SourceId { get; init; }
}
