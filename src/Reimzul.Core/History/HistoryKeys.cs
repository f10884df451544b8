using Reimzul.Messages;

namespace Reimzul.History;

/// <summary>What every store checks before writing, and how a record is recognised when it comes again.</summary>
public static class HistoryKeys
{
    /// <summary>
    /// The status a record arrived with, which its key keeps while <c>status</c> changes (Building → Done,
    /// a result → Override). An imported Done record was a Building record; an imported Override
    /// lost its result's status, so it keeps Override.
    /// </summary>
    public static string ArrivedStatus(string status) => status == BuildStatus.Done ? BuildStatus.Building : status;

    /// <summary>Refuses (with <see cref="ArgumentException"/>) an event no store can key or query.</summary>
    public static void CheckEvent(BuildEvent buildEvent)
    {
        ArgumentNullException.ThrowIfNull(buildEvent);
        CheckFields(buildEvent.Srpm, buildEvent.Arch, buildEvent.Target, buildEvent.Timestamp, buildEvent.Status, nameof(buildEvent));
        if (!BuildStatus.Events.Contains(buildEvent.Status))
        {
            throw new ArgumentException($"status '{buildEvent.Status}' is not an event status ({string.Join(", ", BuildStatus.Events)})", nameof(buildEvent));
        }
    }

    /// <summary>Refuses (with <see cref="ArgumentException"/>) a record no store can key or query.</summary>
    public static void CheckRecord(BuildRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        CheckFields(record.Srpm, record.Arch, record.Target, record.Timestamp, record.Status, nameof(record));
        if (!BuildStatus.All.Contains(record.Status))
        {
            throw new ArgumentException($"status '{record.Status}' is not a history status ({string.Join(", ", BuildStatus.All)})", nameof(record));
        }
    }

    private static void CheckFields(string srpm, string arch, string target, string timestamp, string status, string paramName)
    {
        foreach (var (name, value) in new[] { ("srpm", srpm), ("arch", arch), ("target", target), ("timestamp", timestamp), ("status", status) })
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                throw new ArgumentException($"{name} is missing", paramName);
            }
        }
    }
}
