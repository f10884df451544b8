using Reimzul.Messages;

namespace Reimzul.Notify;

/// <summary>What handling one <c>notify</c> event led to.</summary>
/// <param name="Recorded">False when the event was already in the history (a redelivery).</param>
/// <param name="Tosign">The job to put on <c>tosign</c> (a non-scratch Success), or null.</param>
public sealed record NotifyOutcome(bool Recorded, TosignRequest? Tosign);
