using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Reimzul.BuildRequests;

/// <summary>
/// A remote build request, as <c>reimzul client</c> publishes it on <c>TOPIC/ARCH/CN</c> (the original's fields, plus
/// <c>sources_dir</c> and <c>request_id</c>). The submitter field is kept for the original's clients; the subscriber
/// takes the submitter from the topic.
/// </summary>
public sealed record BuildRequestMessage
{
    [JsonPropertyName("pkg")] public string? Pkg { get; init; }
    [JsonPropertyName("git_branch")] public string? GitBranch { get; init; }
    [JsonPropertyName("git_ref")] public string? GitRef { get; init; }
    [JsonPropertyName("arch")] public string? Arch { get; init; }
    [JsonPropertyName("submitter")] public string? Submitter { get; init; }
    [JsonPropertyName("target")] public string? Target { get; init; }
    [JsonPropertyName("disttag")] public string? Disttag { get; init; }
    [JsonPropertyName("sources_dir")] public string? SourcesDir { get; init; }
    [JsonPropertyName("scratch")] public bool Scratch { get; init; }

    /// <summary>32 lower-case hex digits, made by the client; it becomes the build id, so the build's events carry it.</summary>
    [JsonPropertyName("request_id")] public string? RequestId { get; init; }
}

/// <summary>
/// The answer to a request, on <c>MASTER/builds/results</c> next to the build events: <c>Accepted</c> (queued, with
/// the build id the build's events carry and the arches its job builds) or <c>Refused</c> (nothing queued; why in
/// <c>reason</c>). Told apart from a build event by its <c>request_id</c>.
/// </summary>
public sealed record RequestOutcome
{
    public const string Accepted = "Accepted";
    public const string Refused = "Refused";

    [JsonPropertyName("request_id")] public string RequestId { get; init; } = "";
    [JsonPropertyName("status")] public string Status { get; init; } = "";
    [JsonPropertyName("reason")] public string? Reason { get; init; }
    [JsonPropertyName("pkg")] public string? Pkg { get; init; }
    [JsonPropertyName("git_branch")] public string? GitBranch { get; init; }
    [JsonPropertyName("git_ref")] public string? GitRef { get; init; }
    [JsonPropertyName("arch")] public string? Arch { get; init; }
    [JsonPropertyName("target")] public string? Target { get; init; }
    [JsonPropertyName("submitter")] public string? Submitter { get; init; }
    [JsonPropertyName("scratch")] public bool Scratch { get; init; }
    [JsonPropertyName("srpm")] public string? Srpm { get; init; }
    [JsonPropertyName("disttag")] public string? Disttag { get; init; }
    [JsonPropertyName("commit")] public string? Commit { get; init; }
    [JsonPropertyName("build_id")] public string? BuildId { get; init; }

    /// <summary>The arches the job builds (the requested one, then its chained builds), each announced Building, then Success or Failed.</summary>
    [JsonPropertyName("arches")] public IReadOnlyList<string>? Arches { get; init; }
}

/// <summary>The fields of a build event the client follows (a subset of the notifier's MQTT payload).</summary>
public sealed record BuildResultEvent
{
    [JsonPropertyName("request_id")] public string? RequestId { get; init; }
    [JsonPropertyName("build_id")] public string? BuildId { get; init; }
    [JsonPropertyName("status")] public string? Status { get; init; }
    [JsonPropertyName("reason")] public string? Reason { get; init; }
    [JsonPropertyName("arch")] public string? Arch { get; init; }
    [JsonPropertyName("target")] public string? Target { get; init; }
    [JsonPropertyName("srpm")] public string? Srpm { get; init; }
    [JsonPropertyName("evr")] public string? Evr { get; init; }
    [JsonPropertyName("log_url")] public string? LogUrl { get; init; }
    [JsonPropertyName("arches")] public IReadOnlyList<string>? Arches { get; init; }
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(BuildRequestMessage))]
[JsonSerializable(typeof(RequestOutcome))]
[JsonSerializable(typeof(BuildResultEvent))]
public sealed partial class BuildRequestJsonContext : JsonSerializerContext
{
    /// <summary>Reasons keep their quotes readable for people reading them with mosquitto_sub.</summary>
    public static BuildRequestJsonContext Readable { get; } = new(new JsonSerializerOptions
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
