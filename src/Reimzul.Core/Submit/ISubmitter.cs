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
}
