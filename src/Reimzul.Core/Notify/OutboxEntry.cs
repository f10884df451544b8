namespace Reimzul.Notify;

/// <summary>One delivery waiting in the outbox: an event (as its JSON) for one sink.</summary>
/// <param name="Attempts">Failed attempts so far.</param>
public sealed record OutboxEntry(long Id, string Sink, string EventKey, string EventJson, int Attempts);

/// <summary>What the outbox holds for one sink: deliveries not yet made, and the oldest of them.</summary>
public sealed record OutboxDepth(string Sink, long Pending, DateTimeOffset? OldestPending, long Delivered, string? LastError);
