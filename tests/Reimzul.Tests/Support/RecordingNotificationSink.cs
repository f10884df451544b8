using Reimzul.Messages;
using Reimzul.Notify;

namespace Reimzul.Tests.Support;

/// <summary>A notification sink that remembers what it was given, and fails on demand like a mail server that is down.</summary>
public sealed class RecordingNotificationSink : INotificationSink
{
    private readonly List<BuildEvent> emitted = [];
    private readonly Lock gate = new();

    public IReadOnlyList<BuildEvent> Emitted => emitted;

    /// <summary>When set, the next emits throw this (and are not remembered).</summary>
    public Exception? FailWith { get; set; }

    public string Name { get; init; } = "recording";

    /// <summary>Which events this sink takes; all by default.</summary>
    public Func<BuildEvent, bool> Filter { get; init; } = _ => true;

    public bool Concerns(BuildEvent buildEvent) => Filter(buildEvent);

    public Task EmitAsync(BuildEvent buildEvent, CancellationToken ct)
    {
        if (FailWith is { } failure)
        {
            throw failure;
        }
        lock (gate)
        {
            emitted.Add(buildEvent);
        }
        return Task.CompletedTask;
    }
}
