using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Reimzul.Web;

namespace Reimzul.Cli.Commands;

/// <summary><c>reimzul web</c>: the web role on its own (API, pages, badge, feed, metrics), as systemd runs it.</summary>
public static class WebCommand
{
    public static Command Create(CommonOptions common)
    {
        var command = new Command("web", """
            Serve the JSON API (/api/v1), the pages, the SVG badges, the Atom feed and /metrics over HTTP(S)
            ([web] port, default 11082), reading the history and the queue. `reimzul up` and `reimzul controller`
            serve it too unless [web] enabled = no; run this where neither runs.
            """);
        command.SetAction((parseResult, cancellationToken) => CommandRunner.RunAsync(async () =>
        {
            var config = common.Load(parseResult);
            using var host = await Composition.CreateHostAsync(config, Roles.Web, workers: 1, cancellationToken);
            await host.StartAsync(CancellationToken.None);
            foreach (var url in Urls(host))
            {
                await Console.Error.WriteLineAsync($"reimzul web: serving {url} (API: {url}api/v1/builds)");
            }
            await host.WaitForShutdownAsync(CancellationToken.None);
            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>Where the web role of a started host listens, as a browser on this machine reaches it.</summary>
    public static IEnumerable<Uri> Urls(IHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        var web = host.Services.GetServices<IHostedService>().OfType<WebServer>().Where(s => s.Role == WebRoleServer.Section);
        foreach (var address in web.SelectMany(s => s.Addresses))
        {
            // Listening on every address: the loopback one works here.
            var any = address.Host is "[::]" or "0.0.0.0" or "::";
            yield return any ? new UriBuilder(address) { Host = "localhost" }.Uri : address;
        }
    }
}
