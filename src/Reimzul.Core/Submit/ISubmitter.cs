namespace Reimzul.Submit;

/// <summary>Queues the build a submitter asks for: on this machine (<see cref="LocalSubmitter"/>) or through the controller (<see cref="ControllerSubmitter"/>).</summary>
public interface ISubmitter
{
    /// <exception cref="SubmitRefusedException">The order is wrong; nothing was queued.</exception>
    /// <exception cref="SubmitUnavailableException">
    /// The queue or the controller cannot take it now: nothing was queued, unless the message says the controller did
    /// not confirm a submit that reached it (then the build may be queued, under the build id the message names).
    /// </exception>
    Task<SubmitReceipt> SubmitAsync(SubmitOrder order, CancellationToken ct);

    /// <summary>
    /// Bulk submit, for one arch and priority: every order is checked first (local files included), and nothing is
    /// queued when one is wrong (the message names each bad one); then all are queued at once.
    /// </summary>
    /// <exception cref="SubmitRefusedException">An order is wrong; nothing was queued.</exception>
    /// <exception cref="SubmitUnavailableException">As for <see cref="SubmitAsync"/>.</exception>
    Task<IReadOnlyList<SubmitReceipt>> SubmitManyAsync(IReadOnlyList<SubmitOrder> orders, CancellationToken ct);
}
