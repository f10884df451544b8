using System.Text.Json;
using System.Text.Json.Serialization;
using Reimzul.Files;
using Reimzul.Messages;
using Reimzul.Worker;

namespace Reimzul.Cancels;

/// <summary>
/// The cancel requests of builds, one small file per build id (<c>DATA/cancels/BUILD_ID.json</c>) on the host of the
/// web role: written there by the cancel action, read by the local workers and, through the controller
/// (<see cref="ControllerPath"/>), by the workers of other hosts. A request is kept <see cref="Lifetime"/>, long
/// enough for any queued job of the build to be reserved and dropped.
/// </summary>
public sealed class CancelRecords(string directory)
{
    /// <summary><c>GET</c> of one build's request on the controller: the record, or 404 when there is none.</summary>
    public const string ControllerPath = "/reimzul/cancels";

    public static readonly TimeSpan Lifetime = TimeSpan.FromDays(30);

    public string Directory { get; } = directory;

    public static CancelRecords Under(string dataDir) => new(Path.Combine(dataDir, "cancels"));

    /// <summary>The request of <paramref name="buildId"/>, or null when none was made (or it is malformed).</summary>
    public CancelRequest? Find(string buildId)
    {
        if (!BuildIds.IsWellFormed(buildId))
        {
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllText(PathOf(buildId)), CancelJson.Default.CancelRequest);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (JsonException)
        {
            // Written whole through a rename, so this is damage from elsewhere; a cancel was asked for all the same.
            return new CancelRequest { BuildId = buildId, RequestedBy = "(unreadable cancel record)" };
        }
    }

    /// <summary>
    /// Records the request durably; a build canceled twice keeps its first requester and time, and gains the arches
    /// announced since. Returns the record as it stands.
    /// </summary>
    /// <exception cref="ArgumentException">The build id is not one.</exception>
    public CancelRequest Write(CancelRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!BuildIds.IsWellFormed(request.BuildId))
        {
            throw new ArgumentException($"'{request.BuildId}' is not a build id (32 lower-case hex digits)", nameof(request));
        }
        var merged = Find(request.BuildId) is { } earlier
            ? earlier with { Announced = [.. earlier.Announced.Union(request.Announced, StringComparer.Ordinal)] }
            : request;
        System.IO.Directory.CreateDirectory(Directory);
        DurableFiles.WriteAllText(PathOf(request.BuildId), JsonSerializer.Serialize(merged, CancelJson.Default.CancelRequest));
        return merged;
    }

    /// <summary>Removes the requests written before <paramref name="before"/>; returns how many.</summary>
    public int Prune(DateTimeOffset before) => DurableFiles.DeleteWrittenBefore(Directory, "*.json", before);

    private string PathOf(string buildId) => Path.Combine(Directory, buildId + ".json");
}

[JsonSerializable(typeof(CancelRequest))]
public sealed partial class CancelJson : JsonSerializerContext;
