using System.Text.Json;
using Reimzul.Messages;

namespace Reimzul.Notify;

/// <summary>What makes two events the same event, as the history sees it: build id, arch, timestamp, status, srpm, target.</summary>
public static class EventKey
{
    // A JSON array: no separator a field could hold can make two different events share a key.
    public static string Of(BuildEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return JsonSerializer.Serialize([e.BuildId ?? "", e.Arch, e.Timestamp, e.Status, e.Srpm, e.Target], NotifyJsonContext.Default.StringArray);
    }
}
