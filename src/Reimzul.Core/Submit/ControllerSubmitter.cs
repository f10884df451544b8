using Reimzul.Messages;
using Reimzul.Protocol;
using Reimzul.Retry;

namespace Reimzul.Submit;

/// <summary>
/// Many machines: a local file is uploaded to the controller's incoming dir, then the controller queues the build
/// (with <see cref="BuildSubmitter"/>) and names the submitter from the credentials of <paramref name="controller"/>.
/// The submit carries a build id made here as its idempotency key, so it is retried after a transient failure (the
/// controller answers a repeat with the first job) and never queues the build twice.
/// </summary>
/// <param name="retry">How often the submit is tried; by default <see cref="DefaultRetry"/>.</param>
/// <param name="time">The clock of the retry delays; the system's by default.</param>
public sealed class ControllerSubmitter(ControllerClient controller, RetryPolicy? retry = null, TimeProvider? time = null) : ISubmitter
{
    /// <summary>Three tries, 0.5 s and 1 s apart: enough for a controller restart, short for a person waiting.</summary>
    public static RetryPolicy DefaultRetry { get; } = new(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(2)) { MaxAttempts = 3 };

    public async Task<SubmitReceipt> SubmitAsync(SubmitOrder order, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(order);
        if (order.Background)
        {
            // The single submit's request has no background field; a bulk of one carries it.
            return (await SubmitManyAsync([order], ct))[0];
        }
        string name;
        try
        {
            name = order.SrpmIsLocalFile() ? await UploadAsync(order.Srpm, ct) : order.Srpm;
        }
        catch (Exception ex) when (Translate(ex, ct) is { } translated)
        {
            throw translated;
        }

        var request = new SubmitRequest
        {
            Srpm = name,
            Arch = order.Arch,
            Target = order.Target,
            Disttag = order.Disttag,
            Scratch = order.Scratch,
            Now = order.Now,
            Replace = order.Replace ? true : null,
            BuildId = BuildIds.New(),
        };
        var result = await SendAsync(token => controller.SubmitAsync(request, token), (failure, decision) =>
            $"{failure.Message}; the controller did not confirm the submit ({decision.GiveUpReason}), so build id {request.BuildId} may or may not be queued: " +
            $"look for it in the build history (`reimzul query --status Building --json`, once a worker takes it) before submitting {request.Srpm} again, since a new submit gets a new build id", ct);
        return new SubmitReceipt(result.JobId, result.BuildId, result.Tube, result.Priority, result.Srpm, result.Target, result.Scratch, result.Submitter);
    }

    public async Task<IReadOnlyList<SubmitReceipt>> SubmitManyAsync(IReadOnlyList<SubmitOrder> orders, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(orders);
        SubmitChecks.LocalFiles(orders);
        var names = new List<string>(orders.Count);
        try
        {
            foreach (var order in orders)
            {
                names.Add(order.SrpmIsLocalFile() ? (await controller.UploadSrpmAsync(order.Srpm, ct)).Srpm : order.Srpm);
            }
        }
        catch (Exception ex) when (Translate(ex, ct) is { } translated)
        {
            throw translated;
        }
        var first = orders[0];
        var request = new BulkSubmitRequest
        {
            Srpms = names,
            BuildIds = [.. names.Select(_ => BuildIds.New())],
            Arch = first.Arch,
            Target = first.Target,
            Disttag = first.Disttag,
            Scratch = first.Scratch,
            Now = first.Now,
            Replace = first.Replace ? true : null,
            Background = first.Background ? true : null,
        };
        var result = await SendAsync(token => controller.SubmitBulkAsync(request, token), (failure, decision) =>
            $"{failure.Message}; the controller did not confirm the bulk submit ({decision.GiveUpReason}), so its {names.Count} builds (build ids {request.BuildIds[0]}, ...) may or may not be queued: look for them in the build history before submitting again", ct);
        return [.. result.Builds.Select(b => new SubmitReceipt(b.JobId, b.BuildId, b.Tube, b.Priority, b.Srpm, b.Target, b.Scratch, b.Submitter))];
    }

    /// <summary>
    /// Sends a request that carries its build ids (a repeat is answered with the first jobs), retrying transient
    /// failures. When it gives up after a try that may have reached the controller, <paramref name="unconfirmed"/> says
    /// what the caller cannot know; otherwise the failure is told as it is.
    /// </summary>
    private async Task<T> SendAsync<T>(Func<CancellationToken, Task<T>> send, Func<Exception, RetryDecision, string> unconfirmed, CancellationToken ct)
    {
        // Whether any try may have reached the controller: only then can the build be queued without our knowing.
        var maybeSent = false;
        var schedule = (retry ?? DefaultRetry).Start(time ?? TimeProvider.System);
        try
        {
            return await schedule.RunAsync(
                async token =>
                {
                    try
                    {
                        return await send(token);
                    }
                    catch (Exception ex) when (IsTransient(ex, ct))
                    {
                        maybeSent |= !NeverSent(ex);
                        throw;
                    }
                },
                ex => IsTransient(ex, ct),
                (_, _) => { },
                (ex, decision) =>
                {
                    var failure = Translate(ex, ct) ?? ex;
                    return maybeSent ? new SubmitUnavailableException(unconfirmed(failure, decision), ex) : failure;
                },
                ct);
        }
        catch (Exception ex) when (Translate(ex, ct) is { } translated)
        {
            throw translated;
        }
    }

    private static bool IsTransient(Exception ex, CancellationToken ct) => ex switch
    {
        RemoteServiceException { Status: { } status } => RemoteResponses.IsTransient(status),
        HttpRequestException => true,
        // A request timeout, not the caller's stop.
        OperationCanceledException => !ct.IsCancellationRequested,
        _ => false,
    };

    // Failures before the request left this machine: it cannot have been queued.
    private static bool NeverSent(Exception ex) =>
        ex is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError or HttpRequestError.SecureConnectionError };

    /// <summary>The failure as the submitter sees it; null for what is not the controller's (e.g. the caller's stop, or already translated).</summary>
    private Exception? Translate(Exception ex, CancellationToken ct) => ex switch
    {
        SubmitUnavailableException or SubmitRefusedException => null,
        RemoteServiceException { Status: { } status } remote when RemoteResponses.IsTransient(status) => new SubmitUnavailableException(remote.Message, remote),
        RemoteServiceException remote => new SubmitRefusedException(remote.Message, remote),
        HttpRequestException http when NeverSent(http) => new SubmitUnavailableException($"controller {controller.BaseAddress} cannot be reached: {http.Message}", http),
        HttpRequestException http => new SubmitUnavailableException($"the connection to controller {controller.BaseAddress} failed: {http.Message}", http),
        OperationCanceledException canceled when !ct.IsCancellationRequested => new SubmitUnavailableException($"controller {controller.BaseAddress} did not answer in time", canceled),
        _ => null,
    };

    /// <summary>Uploads the SRPM at <paramref name="path"/>; returns its name in the controller's incoming dir.</summary>
    private async Task<string> UploadAsync(string path, CancellationToken ct)
    {
        // Checked here too, so a bad file is refused with the local submit's words before anything is sent.
        SubmitChecks.LocalFile(path);
        return (await controller.UploadSrpmAsync(path, ct)).Srpm;
    }
}
