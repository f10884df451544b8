using Microsoft.Extensions.Logging;
using Reimzul.Protocol;
using Reimzul.Retry;
using Reimzul.Worker;

namespace Reimzul.Srpms;

/// <summary>
/// Many machines: a worker downloads the SRPM from the controller (checksum verified by the client). A controller that
/// is down, restarting or overloaded is tried again with back-off for a while (<see cref="DefaultRetry"/>); after that the
/// failure goes to the worker, which gives the job back to the queue for later. The worker touches its job meanwhile.
/// </summary>
public sealed class ControllerSrpmSource : ISrpmSource
{
    // Downloads of one SRPM that may arrive damaged before it fails: a link that keeps damaging data is broken.
    private const int DamagedDownloads = 3;

    private readonly ControllerClient _controller;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly RetryPolicy _retry;

    /// <param name="retry">Back-off and give-up while the controller fails; if null, <see cref="DefaultRetry"/>.</param>
    public ControllerSrpmSource(ControllerClient controller, ILogger logger, TimeProvider? time = null, RetryPolicy? retry = null)
    {
        ArgumentNullException.ThrowIfNull(controller);
        ArgumentNullException.ThrowIfNull(logger);
        _controller = controller;
        _logger = logger;
        _time = time ?? TimeProvider.System;
        _retry = retry ?? DefaultRetry;
    }

    /// <summary>Back-off from 500 ms to 30 s, giving up after two minutes without a download.</summary>
    public static RetryPolicy DefaultRetry { get; } = RetryPolicy.Default with { GiveUpWithoutProgress = TimeSpan.FromMinutes(2) };

    /// <exception cref="FileNotFoundException">The controller does not have that SRPM (the build fails).</exception>
    /// <exception cref="InvalidDataException">The SRPM arrived damaged on every try.</exception>
    /// <exception cref="HttpRequestException">The controller stayed unreachable or failing; the message says how often it was tried.</exception>
    /// <exception cref="IOException">As <see cref="HttpRequestException"/>, when the last failure was a broken transfer or a local write.</exception>
    public async Task<string> FetchAsync(string srpmName, string workDir, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(workDir);
        var path = Path.Combine(workDir, srpmName);
        var damaged = 0;
        await _retry.Start(_time).RunAsync(
            async ct =>
            {
                try
                {
                    return await _controller.DownloadSrpmAsync(srpmName, path, ct);
                }
                catch (InvalidDataException ex) when (++damaged >= DamagedDownloads)
                {
                    throw new InvalidDataException($"SRPM {srpmName} arrived damaged {damaged} times from the controller {_controller.BaseAddress}; last: {ex.Message}", ex);
                }
            },
            ex => ex is InvalidDataException ? damaged < DamagedDownloads : IsTransient(ex),
            (ex, decision) => _logger.LogWarning("cannot download {Srpm} from the controller {Controller} ({Reason}); retry in {Delay:0.0} s",
                srpmName, _controller.BaseAddress, ex.Message, decision.Delay.TotalSeconds),
            (ex, decision) => GaveUp(srpmName, ex, decision),
            cancellationToken);
        return path;
    }

    // A controller down, restarting or overloaded, a broken or stalled transfer; not a missing SRPM or a refusal.
    private static bool IsTransient(Exception exception) => exception switch
    {
        FileNotFoundException or DirectoryNotFoundException => false,
        HttpRequestException or IOException or TimeoutException => true,
        // A timeout inside the client: the caller's stop is never retried.
        OperationCanceledException => true,
        RemoteServiceException { Status: { } status } => RemoteResponses.IsTransient(status),
        _ => false,
    };

    // Still an HttpRequestException or IOException, so the worker gives the job back rather than failing the build.
    private Exception GaveUp(string srpmName, Exception last, RetryDecision decision)
    {
        var times = decision.Failures == 1 ? "once" : $"{decision.Failures} times";
        var message = $"cannot download {srpmName} from the controller {_controller.BaseAddress}: failed {times}, {decision.GiveUpReason}; last error: {last.Message}";
        return last is IOException
            ? new IOException(message, last)
            : new HttpRequestException(message, last, (last as HttpRequestException)?.StatusCode ?? (last as RemoteServiceException)?.Status);
    }
}
