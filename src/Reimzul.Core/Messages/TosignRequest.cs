using System.Text.Json.Serialization;

namespace Reimzul.Messages;

/// <summary>A request on <c>tosign</c>: stage the RPMs of one finished build. Fields as the original notifier put them, plus optional <c>evr</c>/<c>build_id</c>.</summary>
public sealed record TosignRequest
{
    [JsonPropertyName("pkgname")] public string PkgName { get; init; } = "";
    [JsonPropertyName("status")] public string Status { get; init; } = "";
    [JsonPropertyName("target")] public string Target { get; init; } = "";
    [JsonPropertyName("arch")] public string Arch { get; init; } = "";
    [JsonPropertyName("timestamp")] public string Timestamp { get; init; } = "";

    /// <summary>When present, only <c>&lt;evr&gt;.&lt;arch&gt;/</c> of the build is staged; the original staged the whole timestamp dir.</summary>
    [JsonPropertyName("evr")] public string? Evr { get; init; }
    [JsonPropertyName("build_id")] public string? BuildId { get; init; }
}
