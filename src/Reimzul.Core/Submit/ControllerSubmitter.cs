using Reimzul.Protocol;

namespace Reimzul.Submit;

/// <summary>
/// Many machines: a local file is uploaded to the controller's incoming dir, then the controller queues the build
/// (with <see cref="BuildSubmitter"/>) and names the submitter from the credentials of <paramref name="controller"/>.
/// </summary>
public sealed class ControllerSubmitter(ControllerClient controller) : ISubmitter
{
    public async Task<SubmitReceipt> SubmitAsync(SubmitOrder order, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(order);
        try
        {
            var name = order.SrpmIsLocalFile() ? await UploadAsync(order.Srpm, ct) : order.Srpm;
            var result = await controller.SubmitAsync(new SubmitRequest
            {
                Srpm = name,
                Arch = order.Arch,
                Target = order.Target,
                Disttag = order.Disttag,
                Scratch = order.Scratch,
                Now = order.Now,
            }, ct);
            return new SubmitReceipt(result.JobId, result.BuildId, result.Tube, result.Priority, result.Srpm, result.Target, result.Scratch, result.Submitter);
        }
        catch (RemoteServiceException ex) when (ex.Status is { } status && RemoteResponses.IsTransient(status))
        {
            throw new SubmitUnavailableException(ex.Message, ex);
        }
        catch (RemoteServiceException ex)
        {
            throw new SubmitRefusedException(ex.Message, ex);
        }
        catch (HttpRequestException ex)
        {
            throw new SubmitUnavailableException($"controller {controller.BaseAddress} cannot be reached: {ex.Message}", ex);
        }
        catch (OperationCanceledException ex) when (!ct.IsCancellationRequested)
        {
            throw new SubmitUnavailableException($"controller {controller.BaseAddress} did not answer in time", ex);
        }
    }

    /// <summary>Uploads the SRPM at <paramref name="path"/>; returns its name in the controller's incoming dir.</summary>
    private async Task<string> UploadAsync(string path, CancellationToken ct)
    {
        // Checked here too, so a bad file is refused with the local submit's words before anything is sent.
        SubmitChecks.LocalFile(path);
        return (await controller.UploadSrpmAsync(path, ct)).Srpm;
    }
}
