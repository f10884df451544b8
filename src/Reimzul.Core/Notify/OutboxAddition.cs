namespace Reimzul.Notify;

/// <summary>The deliveries one event adds to the outbox: one per sink named.</summary>
public sealed record OutboxAddition(string EventKey, string EventJson, IReadOnlyCollection<string> Sinks);
