using System.Text.Json.Serialization;
using Reimzul.History;
using Reimzul.Messages;

namespace Reimzul.HistoryStores;

/// <summary>
/// The line protocol between <see cref="HistoryProcessClient"/> and a history store served in another process
/// (<see cref="HistoryServer"/>): one JSON object per line each way, one reply per request, in order. The first
/// line the server writes is the reply to opening the store.
/// </summary>
internal static class HistoryProtocol
{
    public const string Record = "record";
    public const string Contains = "contains";
    public const string Query = "query";
    public const string Latest = "latest";
    public const string Override = "override";
    public const string Import = "import";
    public const string List = "list";
    public const string Build = "build";
    public const string Building = "building";
    public const string BuildersSeen = "builders_seen";

    /// <summary>Error kinds, so the client throws what the store threw (the error contract of <see cref="IHistoryStore"/>).</summary>
    public const string BadInput = "bad_input";
    public const string Unavailable = "unavailable";
    public const string Schema = "schema";
    public const string Failure = "failure";
}

internal sealed record HistoryRequest
{
    public string Op { get; init; } = "";
    public BuildEvent? Event { get; init; }
    public BuildRecord? Record { get; init; }

    /// <summary><see cref="BuildRecord.SourceId"/> of <see cref="Record"/>, which its JSON leaves out.</summary>
    public string? SourceId { get; init; }
    public string? Status { get; init; }
    public string? Target { get; init; }
    public string? Srpm { get; init; }
    public string? Arch { get; init; }
    public string? Comment { get; init; }
    public BuildQuery? Query { get; init; }
    public string? BuildId { get; init; }
    public DateTimeOffset? Since { get; init; }
}

internal sealed record HistoryReply
{
    public bool Ok { get; init; }
    public bool Value { get; init; }
    public IReadOnlyList<BuildRecord>? Records { get; init; }
    public string? NextCursor { get; init; }
    public IReadOnlyList<BuilderSeen>? Builders { get; init; }
    public string? ErrorKind { get; init; }
    public string? Error { get; init; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(HistoryRequest))]
[JsonSerializable(typeof(HistoryReply))]
internal sealed partial class HistoryProtocolJson : JsonSerializerContext;
