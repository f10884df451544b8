using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using Reimzul.Config;
using Reimzul.Web.Api;
using Reimzul.Web.Hosting;

namespace Reimzul.Web;

/// <summary>
/// A worker process's own <c>GET /metrics</c> (<c>[builder] metrics_port</c>, <c>metrics_listen</c>): the builds it
/// started and finished, their durations, and its uploads to bstore, for Prometheus on many machines, where the web
/// role sees none of them. Plain HTTP, no credentials, nothing but that one path; listen on a private address.
/// </summary>
public static class WorkerMetricsServer
{
    public static WebServer Create(BuilderOptions builder, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var web = WebApps.SlimBuilder(loggerFactory);
        web.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            if (builder.MetricsListen == "*")
            {
                kestrel.ListenAnyIP(builder.MetricsPort);
            }
            else
            {
                kestrel.Listen(IPAddress.Parse(builder.MetricsListen), builder.MetricsPort);
            }
        });
        var app = web.Build();
        var metrics = new MetricsCollector();
        app.Lifetime.ApplicationStopped.Register(metrics.Dispose);
        MetricsEndpoint.MapProcessCounters(app, metrics);
        return new WebServer("worker metrics", app);
    }
}
