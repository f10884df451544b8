using System.Net;
using System.Security.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Reimzul.Config;
using Reimzul.Protocol;
using Reimzul.Web.Auth;

namespace Reimzul.Web.Hosting;

/// <summary>The Kestrel setup both services share: where to listen, TLS, limits, and the INI config as the only configuration.</summary>
internal static class WebApps
{
    /// <summary>Bodies of JSON requests; file uploads raise their own limit.</summary>
    public const long SmallBodyLimit = 1024 * 1024;

    /// <summary>
    /// What both services start from: their logger (<c>Reimzul.Web.Controller</c> or <c>Reimzul.Web.Bstore</c>), the
    /// authenticator of their writers, and the Kestrel builder of <c>[section]</c>.
    /// </summary>
    public static (WebApplicationBuilder Builder, WriterAuthenticator Auth, ILogger Logger) Prepare(
        ReimzulConfig config, string section, HttpServiceOptions http, string loggerName, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        var logger = loggerFactory.CreateLogger(loggerName);
        // One bound for refused writes and refused connections alike.
        var refusals = new RefusalLog(logger, TimeProvider.System);
        var auth = WriterAuthenticator.Create(config, section, http, logger, refusals);
        return (CreateBuilder(config, section, http, loggerFactory, new TlsHandshakeLog(refusals)), auth, logger);
    }

    /// <summary>The app of <paramref name="builder"/>, with a body for every refusal; <paramref name="served"/> says what a 404 missed.</summary>
    public static WebApplication Build(WebApplicationBuilder builder, ILogger logger, string served)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var app = builder.Build();
        app.UseRefusalBodies(logger, served);
        return app;
    }

    /// <summary>
    /// What starting the service of <c>[section]</c> would refuse (TLS files, tokens file), thrown before any host
    /// runs, so the operator reads one line instead of a host's failed start with a stack trace.
    /// </summary>
    /// <exception cref="ConfigException">The service's TLS or authentication settings cannot be used.</exception>
    public static void CheckSettings(ReimzulConfig config, string section, HttpServiceOptions http)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(http);
        TlsSettings(config, section, http);
        WriterAuthenticator.Create(config, section, http, NullLogger.Instance, new RefusalLog(NullLogger.Instance, TimeProvider.System));
    }

    private static HttpsConnectionAdapterOptions? TlsSettings(ReimzulConfig config, string section, HttpServiceOptions http)
    {
        var source = config.SourceFile ?? "(no config file)";
        var https = http.Https ? HttpsOptions(config.Tls, http, source, section) : null;
        if (!http.Https && http.ClientCerts)
        {
            throw new ConfigException(source, null, $"[{section}] client_certs = yes needs https = yes: client certificates come with TLS");
        }
        return https;
    }

    /// <summary>A host whose only configuration is the INI file's and whose logs go to <paramref name="loggerFactory"/>.</summary>
    internal static WebApplicationBuilder SlimBuilder(ILoggerFactory loggerFactory)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            // No file watchers: the configuration sources are cleared below, and each watcher costs an inotify
            // instance (128 per user by default), which a host running `up` with several services would run out of.
            Args = ["--hostBuilder:reloadConfigOnChange=false"],
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = Environments.Production,
        });
        // The INI file is the only configuration: no appsettings.json or ASPNETCORE_* variable may add an endpoint.
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        builder.Services.Replace(ServiceDescriptor.Singleton(loggerFactory));
        return builder;
    }

    private static WebApplicationBuilder CreateBuilder(ReimzulConfig config, string section, HttpServiceOptions http, ILoggerFactory loggerFactory, TlsHandshakeLog handshakes)
    {
        var https = TlsSettings(config, section, http);

        var builder = SlimBuilder(https is null ? loggerFactory : TlsHandshakeLog.LoggerFactory(loggerFactory));
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = SmallBodyLimit;
            void Configure(ListenOptions listen)
            {
                // HTTP/1.1 only: uploads are large sequential bodies, where HTTP/2 framing and flow control only cost.
                listen.Protocols = HttpProtocols.Http1;
                if (https is not null)
                {
                    handshakes.WatchHandshake(listen);
                    listen.UseHttps(https);
                    TlsHandshakeLog.MarkEstablished(listen);
                }
                RefusalBodies.FillKestrelRefusals(listen);
            }
            if (http.Listen == "*")
            {
                kestrel.ListenAnyIP(http.Port, Configure);
            }
            else
            {
                kestrel.Listen(IPAddress.Parse(http.Listen), http.Port, Configure);
            }
        });
        return builder;
    }

    private static HttpsConnectionAdapterOptions HttpsOptions(TlsOptions tls, HttpServiceOptions http, string source, string section)
    {
        if (tls.ServerCert is null || tls.ServerKey is null)
        {
            throw new ConfigException(source, null, $"[{section}] https = yes needs [tls] server_cert and server_key");
        }
        var certificate = RemoteHttp.LoadPair(tls.ServerCert, tls.ServerKey, source, "[tls] server_cert/server_key");
        var chain = RemoteHttp.LoadCertificates(tls.ServerCert, source, "[tls] server_cert");
        return new HttpsConnectionAdapterOptions
        {
            ServerCertificate = certificate,
            // Intermediates after the leaf in server_cert are sent along.
            ServerCertificateChain = [.. chain.Skip(1)],
            SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            ClientCertificateMode = http.ClientCerts ? ClientCertificateMode.AllowCertificate : ClientCertificateMode.NoCertificate,
            // Checked per request against [tls] ca_cert, so a bad certificate gets a 403 that says why instead of a failed handshake.
            ClientCertificateValidation = (_, _, _) => true,
        };
    }
}
