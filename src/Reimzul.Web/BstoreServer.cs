using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Reimzul.Config;
using Reimzul.Protocol;
using Reimzul.ResultStores;
using Reimzul.Web.Bstore;
using Reimzul.Web.Hosting;

namespace Reimzul.Web;

/// <summary>
/// The bstore service (<c>reimzul bstore</c>, port 11081): serves the repo tree read-only under <c>/bstore/repo/</c>
/// (repodata, RPMs, build logs; listings when <c>[bstore] listing</c>) and accepts result uploads from authenticated
/// workers under <c>/bstore/results</c>, and reserves their builds' timestamps under <c>/bstore/timestamps</c> (see <see cref="ResultStores.HttpResultStore"/> for the client).
/// </summary>
public static class BstoreServer
{
    /// <summary>Throws what <see cref="Create"/> would throw for the TLS and authentication settings, before any host runs.</summary>
    /// <exception cref="ConfigException">They cannot be used; the message names file, key and reason.</exception>
    public static void CheckSettings(ReimzulConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        WebApps.CheckSettings(config, "bstore", config.Bstore.Http);
    }

    /// <summary>The service as configured in <c>[bstore]</c> and <c>[tls]</c>; nothing listens before it is started.</summary>
    /// <exception cref="ConfigException">TLS or authentication settings are inconsistent, or their files unusable.</exception>
    public static WebServer Create(ReimzulConfig config, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(config);
        var (builder, auth, logger) = WebApps.Prepare(config, "bstore", config.Bstore.Http, "Reimzul.Web.Bstore", loggerFactory);
        if (config.Bstore.Listing)
        {
            builder.Services.AddDirectoryBrowser();
        }
        var app = WebApps.Build(builder, logger, "this service serves GET /bstore/repo/... and takes uploads at POST /bstore/results/");

        var uploads = new ResultUploads(config.Paths, config.BstoreBaseUrl, loggerFactory, TimeProvider.System);
        Directory.CreateDirectory(uploads.Root);
        uploads.SweepAbandoned();
        RepoFiles.Map(app, config.Paths.Repo, config.Bstore.Listing);
        // Its repogen's createrepo_c runs, for Prometheus (reads need no credentials here, as the repo's do not).
        var metrics = new Api.MetricsCollector();
        app.Lifetime.ApplicationStopped.Register(metrics.Dispose);
        Api.MetricsEndpoint.MapProcessCounters(app, metrics);

        var results = app.MapGroup(RemoteProtocol.ResultsPath);
        results.MapPost("/", (HttpContext context, CancellationToken cancellationToken) => Replies.GuardAsync(async () =>
        {
            if (!auth.TryAuthenticate(context, out var worker, out var refusal))
            {
                return refusal;
            }
            var manifest = await Replies.ReadJsonAsync(context.Request, RemoteJsonContext.Default.ResultManifest, cancellationToken);
            if (!auth.TryAcceptBuilder(context, worker, manifest.Builder, out refusal))
            {
                return refusal;
            }
            var state = await uploads.BeginAsync(manifest, worker, cancellationToken);
            return Results.Json(state, RemoteJsonContext.Readable.UploadState);
        }));
        results.MapPut("/{id}/files/{name}", (HttpContext context, string id, string name) => Replies.GuardAsync(async () =>
        {
            if (!auth.TryAuthenticate(context, out _, out var refusal))
            {
                return refusal;
            }
            await uploads.ReceiveFileAsync(id, name, context.Request, context.RequestAborted);
            return Results.Created();
        }));
        results.MapPost("/{id}/commit", (HttpContext context, string id) => Replies.GuardAsync(async () =>
        {
            if (!auth.TryAuthenticate(context, out var worker, out var refusal))
            {
                return refusal;
            }
            var committed = await uploads.CommitAsync(id, worker, context.RequestAborted);
            return Results.Json(committed, RemoteJsonContext.Readable.CommitResult);
        }));

        var timestamps = new TimestampReservations(new LocalResultStore(config.Paths, loggerFactory.CreateLogger<LocalResultStore>()));
        app.MapPost(RemoteProtocol.TimestampsPath, (HttpContext context, CancellationToken cancellationToken) => Replies.GuardAsync(async () =>
        {
            if (!auth.TryAuthenticate(context, out _, out var refusal))
            {
                return refusal;
            }
            var request = await Replies.ReadJsonAsync(context.Request, RemoteJsonContext.Default.TimestampRequest, cancellationToken);
            var reserved = await timestamps.ReserveAsync(request, cancellationToken);
            return Results.Json(reserved, RemoteJsonContext.Readable.TimestampResult);
        }));

        LiveLogEndpoints.Map(app, auth, LiveLogFiles.NextTo(config.Paths.Repo));

        return new WebServer("bstore", app);
    }
}
