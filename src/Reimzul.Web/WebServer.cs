using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Reimzul.Web;

/// <summary>
/// One HTTP(S) service (controller or bstore), ready to run: add it to a host as an <see cref="IHostedService"/>
/// (it starts listening in <see cref="StartAsync"/> and drains requests in <see cref="StopAsync"/>), or start and
/// stop it directly.
/// </summary>
public sealed class WebServer : IHostedService, IAsyncDisposable
{
    private readonly WebApplication _app;

    internal WebServer(string role, WebApplication app)
    {
        Role = role;
        _app = app;
    }

    /// <summary><c>controller</c> or <c>bstore</c>.</summary>
    public string Role { get; }

    /// <summary>Where it listens, once started (the real port when port 0 was configured), e.g. <c>https://127.0.0.1:11081/</c>.</summary>
    public IReadOnlyList<Uri> Addresses =>
        _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses
            .Select(a => new Uri(a.EndsWith('/') ? a : a + "/"))
            .ToList() ?? [];

    public Task StartAsync(CancellationToken cancellationToken) => _app.StartAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => _app.StopAsync(cancellationToken);

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}
