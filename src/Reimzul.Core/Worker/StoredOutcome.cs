using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization;
using Reimzul.Messages;

namespace Reimzul.Worker;

/// <summary>
/// How one arch of a build ended, kept as <see cref="FileName"/> in its result dir. It travels with the result, so a
/// store that holds the result holds its outcome too, and a redelivered job announces what was built instead of
/// building it again.
/// </summary>
public sealed record StoredOutcome
{
    /// <summary>The file in a result dir; a plain name, so every transport carries it like the logs.</summary>
    public const string FileName = "reimzul-result.json";

    [JsonPropertyName("build_id")] public string BuildId { get; init; } = "";

    /// <summary><c>Success</c> or <c>Failed</c>.</summary>
    [JsonPropertyName("status")] public string Status { get; init; } = "";

    [JsonPropertyName("reason")] public string? Reason { get; init; }
    [JsonPropertyName("duration_s")] public double? DurationSeconds { get; init; }

    public string ToJson() => JsonSerializer.Serialize(this, StoredOutcomeJson.Default.StoredOutcome);

    /// <summary>The outcome in <paramref name="json"/>; false for anything that is not one (an older or damaged file).</summary>
    public static bool TryParse(string json, [NotNullWhen(true)] out StoredOutcome? outcome)
    {
        try
        {
            outcome = JsonSerializer.Deserialize(json, StoredOutcomeJson.Default.StoredOutcome);
        }
        catch (JsonException)
        {
            outcome = null;
        }
        if (outcome is null || string.IsNullOrEmpty(outcome.BuildId) || outcome.Status is not (BuildStatus.Success or BuildStatus.Failed))
        {
            outcome = null;
            return false;
        }
        return true;
    }
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(StoredOutcome))]
internal sealed partial class StoredOutcomeJson : JsonSerializerContext;
