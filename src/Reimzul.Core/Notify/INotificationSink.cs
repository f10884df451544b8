using Reimzul.Messages;

namespace Reimzul.Notify;

/// <summary>
/// One place a build event is announced (log file, mail, MQTT). A sink lets its exceptions out;
/// the host owns retry, back-off and giving up. A sink chooses which events concern it.
/// </summary>
public interface INotificationSink
{
    Task EmitAsync(BuildEvent buildEvent, CancellationToken ct);
}
