using System.Text.Json;
using Reimzul.Files;

namespace Reimzul.BuildRequests;

/// <summary>
/// The requests that reached the git step, by request id, under <c>incoming/.requests/</c>: <c>ID.pending</c> while
/// one is handled, <c>ID.json</c> (its outcome) once it is. A request the broker delivers again is recognised and
/// not handled twice; one interrupted while pending is handled again, which is safe because its submit carries the
/// request id as idempotency key. Requests refused by their fields or the ACL are not recorded: refusing them again
/// gives the same answer.
/// </summary>
public sealed class HandledRequests(string directory)
{
    public const string DirectoryName = ".requests";

    public string Directory { get; } = directory;

    public RequestOutcome? Outcome(string requestId)
    {
        var path = Path.Combine(Directory, requestId + ".json");
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllBytes(path), BuildRequestJsonContext.Default.RequestOutcome);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException or JsonException)
        {
            return null;
        }
    }

    public bool WasInterrupted(string requestId) => File.Exists(Path.Combine(Directory, requestId + ".pending"));

    public void Begin(string requestId)
    {
        System.IO.Directory.CreateDirectory(Directory);
        DurableFiles.WriteAllText(Path.Combine(Directory, requestId + ".pending"), DateTimeOffset.UtcNow.ToString("O"));
    }

    public void Finish(RequestOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        System.IO.Directory.CreateDirectory(Directory);
        DurableFiles.WriteAllText(Path.Combine(Directory, outcome.RequestId + ".json"),
            JsonSerializer.Serialize(outcome, BuildRequestJsonContext.Default.RequestOutcome));
        File.Delete(Path.Combine(Directory, outcome.RequestId + ".pending"));
    }

    /// <summary>Forgets the outcomes recorded before <paramref name="before"/>; returns how many.</summary>
    public int Prune(DateTimeOffset before) => DurableFiles.DeleteWrittenBefore(Directory, "*.json", before);
}
