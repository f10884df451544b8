using Reimzul.Messages;

namespace Reimzul.Notify;

/// <summary>
/// One place a build event is announced (log file, mail, MQTT). A sink lets its exceptions out;
/// the host owns retry, back-off and giving up. A sink chooses which events concern it.
/// </summary>
public interface INotificationSink
{
    /// <summary>The sink's name in the outbox and in <c>reimzul stats</c> (<c>log</c>, <c>mail</c>, <c>mqtt</c>).</summary>
    string Name { get; }

    /// <summary>Whether <paramref name="buildEvent"/> is announced here at all (mail: finished non-scratch builds with recipients).</summary>
    bool Concerns(BuildEvent buildEvent);

    Task EmitAsync(BuildEvent buildEvent, CancellationToken ct);
}
