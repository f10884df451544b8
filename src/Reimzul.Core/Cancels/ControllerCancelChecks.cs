using System.Net;
using System.Net.Http.Json;
using Reimzul.Messages;
using Reimzul.Worker;

namespace Reimzul.Cancels;

/// <summary>
/// Many machines: the controller's cancel records, at <c>GET [controller] url/reimzul/cancels/BUILD_ID</c> (no
/// credentials: whether a build was canceled is no secret). A controller that cannot answer means "not known to be
/// canceled": the build goes on and the next check asks again.
/// </summary>
public sealed class ControllerCancelChecks(HttpClient controller) : ICancelChecks
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(5);

    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(2);

    /// <exception cref="HttpRequestException">The controller is unreachable or failed.</exception>
    public async Task<CancelRequest?> FindAsync(string buildId, CancellationToken cancellationToken)
    {
        if (!BuildIds.IsWellFormed(buildId))
        {
            return null;
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(RequestTimeout);
        using var response = await controller.GetAsync($"{CancelRecords.ControllerPath.TrimStart('/')}/{buildId}", timeout.Token);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync(CancelJson.Default.CancelRequest, timeout.Token);
    }
}
