using Microsoft.Extensions.Logging;

namespace Reimzul.Worker;

/// <summary>
/// Asks <see cref="ICancelChecks"/> about one build every <see cref="ICancelChecks.Interval"/> while it runs, and
/// cancels <see cref="Token"/> once an operator asked to cancel it; the build's tool is killed through that token.
/// </summary>
internal sealed class CancelWatch : IAsyncDisposable
{
    private readonly CancellationTokenSource _canceled = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public CancelWatch(ICancelChecks checks, string buildId, TimeProvider time, ILogger logger)
    {
        _loop = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(checks.Interval, time, _stop.Token);
                    if (await checks.FindAsync(buildId, _stop.Token) is { } request)
                    {
                        Request = request;
                        logger.LogInformation("build {BuildId}: {Reason}; stopping it", buildId, request.Reason);
                        await _canceled.CancelAsync();
                        return;
                    }
                }
                catch (OperationCanceledException) when (_stop.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex)
                {
                    // Asked again at the next interval; a check that fails must not stop the build.
                    logger.LogWarning("build {BuildId}: cannot learn whether it was canceled: {Message}", buildId, ex.Message);
                }
            }
        });
    }

    /// <summary>Canceled once the build was canceled.</summary>
    public CancellationToken Token => _canceled.Token;

    /// <summary>The request that canceled the build, once it did.</summary>
    public CancelRequest? Request { get; private set; }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
        _canceled.Dispose();
    }
}
