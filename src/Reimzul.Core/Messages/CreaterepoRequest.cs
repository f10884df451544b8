using System.Text.Json.Serialization;

namespace Reimzul.Messages;

/// <summary>A request on <c>createrepo</c> to regenerate one target's repodata. The original put the whole build event; only <c>target</c> is read.</summary>
public sealed record CreaterepoRequest
{
    [JsonPropertyName("target")] public string Target { get; init; } = "";
    [JsonPropertyName("build_id")] public string? BuildId { get; init; }
}
