using System.Text.Json.Serialization;

namespace Reimzul.Worker;

/// <summary>
/// Whether an operator asked to cancel a build: the worker asks before it builds a job and every few seconds while the
/// build runs. One machine: the cancel records in the data dir; many machines: the controller, which keeps them.
/// </summary>
public interface ICancelChecks
{
    /// <summary>How often a running build asks: a local file is cheap, a controller is asked less often.</summary>
    TimeSpan Interval { get; }

    /// <summary>
    /// The cancel request of build <paramref name="buildId"/>, or null when there is none. A source that cannot be asked
    /// (a controller that is down) answers null: the build goes on, and the next check asks again.
    /// </summary>
    Task<CancelRequest?> FindAsync(string buildId, CancellationToken cancellationToken);
}

/// <summary>An operator's request to stop build <see cref="BuildId"/> (all of its arches, chained ones included).</summary>
public sealed record CancelRequest
{
    [JsonPropertyName("build_id")] public string BuildId { get; init; } = "";

    /// <summary>The writer who asked (a token's name or a certificate's CN).</summary>
    [JsonPropertyName("requested_by")] public string RequestedBy { get; init; } = "";

    [JsonPropertyName("requested_at")] public DateTimeOffset RequestedAt { get; init; }

    /// <summary>Arches whose Canceled event was already announced (a queued build removed by the canceler): not again.</summary>
    [JsonPropertyName("announced")] public IReadOnlyList<string> Announced { get; init; } = [];

    /// <summary>The reason Canceled events carry.</summary>
    public string Reason => $"canceled by {RequestedBy}";
}
