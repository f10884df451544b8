using Microsoft.Extensions.Hosting;

namespace Reimzul.Tests.Support;

/// <summary>
/// A role's hosted service started as the host starts it and stopped as the host stops it, at the latest when the
/// test ends. A loop that faulted fails the test when it is stopped, instead of going unnoticed.
/// </summary>
internal sealed class RunningService : IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly BackgroundService _service;
    private bool _stopped;

    private RunningService(BackgroundService service) => _service = service;

    public static async Task<RunningService> StartAsync(BackgroundService service)
    {
        await service.StartAsync(CancellationToken.None);
        return new RunningService(service);
    }

    /// <summary>Its loop has not ended (a role ends it only when asked to stop).</summary>
    public bool IsRunning => _service.ExecuteTask is { IsCompleted: false };

    public async Task StopAsync()
    {
        if (_stopped)
        {
            return;
        }
        _stopped = true;
        using var patience = new CancellationTokenSource(Patience);
        await _service.StopAsync(patience.Token);
        if (_service.ExecuteTask is { } loop)
        {
            if (!loop.IsCompleted)
            {
                throw new TimeoutException($"{_service.GetType().Name} did not stop within {Patience.TotalSeconds:0} s");
            }
            // Rethrows what the loop died of, if it did.
            await loop;
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync();
}
