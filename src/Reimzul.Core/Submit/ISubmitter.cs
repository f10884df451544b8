namespace Reimzul.Submit;

/// <summary>Queues the build a submitter asks for: on this machine (<see cref="LocalSubmitter"/>) or through the controller (<see cref="ControllerSubmitter"/>).</summary>
public interface ISubmitter
{
    /// <exception cref="SubmitRefusedException">The order is wrong; nothing was queued.</exception>
    /// <exception cref="SubmitUnavailableException">The queue or the controller cannot take it now; nothing was queued.</exception>
    Task<SubmitReceipt> SubmitAsync(SubmitOrder order, CancellationToken ct);
}
