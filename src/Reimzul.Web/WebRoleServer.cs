using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Reimzul.Config;
using Reimzul.History;
using Reimzul.Queue;
using Reimzul.Status;
using Reimzul.Web.Api;
using Reimzul.Web.Auth;
using Reimzul.Web.Hosting;

using Reimzul.Web.Bstore;

namespace Reimzul.Web;

/// <summary>
/// The web role (<c>[web]</c>, port 11082): the JSON API under <c>/api/v1</c> (docs/API.md), the SVG badge, the Atom
/// feed, <c>/metrics</c> and the pages. Served by <c>reimzul up</c>, with the controller, or by <c>reimzul web</c>.
/// </summary>
public static class WebRoleServer
{
    public const string Section = "web";

    /// <summary>Throws what <see cref="Create"/> would throw for the TLS and authentication settings, before any host runs.</summary>
    /// <exception cref="ConfigException">They cannot be used; the message names file, key and reason.</exception>
    public static void CheckSettings(ReimzulConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        WebApps.CheckSettings(config, Section, config.Web.Http);
        ReadersOf(config, NullLogger.Instance);
    }

    /// <summary>The service as configured in <c>[web]</c> and <c>[tls]</c>, reading <paramref name="history"/> and <paramref name="queues"/>; nothing listens before it is started.</summary>
    /// <exception cref="ConfigException">TLS or authentication settings are inconsistent, or their files unusable.</exception>
    public static WebServer Create(ReimzulConfig config, IHistoryStore history, IJobQueueFactory queues, ILoggerFactory loggerFactory, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(queues);
        var (builder, writers, logger) = WebApps.Prepare(config, Section, config.Web.Http, "Reimzul.Web.Api", loggerFactory);
        var app = WebApps.Build(builder, logger, $"this service serves {ApiEndpoints.Prefix}/... (see docs/API.md)");
        // The repo is listed for RPMs only where it is on this disk (one machine, or the web role beside bstore).
        var locations = new BuildLocations(config.BstoreBaseUrl, Directory.Exists(config.Paths.Repo) ? config.Paths.Repo : null);
        if (config.WebServesRepo)
        {
            // The logs and RPMs its pages link to, the repodata dnf and mock read: where bstore would serve them.
            RepoFiles.Map(app, config.Paths.Repo, config.Bstore.Listing);
        }
        var model = new ReadModel(history, queues, locations, time);
        // Listens from now on: what the roles of this process count before the first scrape is kept.
        var metrics = new MetricsCollector();
        app.Lifetime.ApplicationStopped.Register(metrics.Dispose);
        var services = new ApiServices(config, history, queues, model, new ReadAccess(ReadersOf(config, logger), writers), writers, logger, time, metrics);
        ApiEndpoints.MapApi(app, services);
        return new WebServer(Section, app);
    }

    // With read_tokens set, reading needs one of its tokens (or a writer's credentials); without, anyone reads.
    private static WriterAuthenticator? ReadersOf(ReimzulConfig config, ILogger logger) =>
        config.Web.ReadTokens is { } file
            ? WriterAuthenticator.Create(config, Section, config.Web.Http with { Tokens = file, Writers = null, ClientCerts = false }, logger,
                new RefusalLog(logger, TimeProvider.System))
            : null;
}
