using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Reimzul.Cancels;
using Reimzul.Config;
using Reimzul.Protocol;
using Reimzul.Queue;
using Reimzul.Submit;
using Reimzul.Validation;
using Reimzul.Web.Controller;
using Reimzul.Web.Hosting;

namespace Reimzul.Web;

/// <summary>
/// The controller service (<c>reimzul controller</c>, port 11080): serves the incoming SRPMs read-only at
/// <c>GET /reimzul-incoming/NAME</c> (with their SHA-256 in <c>X-Reimzul-Sha256</c>) and accepts remote submits from
/// authenticated submitters: <c>PUT /reimzul-incoming/NAME</c> (the SRPM) and <c>POST /reimzul/submit</c> (the build).
/// </summary>
public static class ControllerServer
{
    /// <summary>Throws what <see cref="Create"/> would throw for the TLS and authentication settings, before any host runs.</summary>
    /// <exception cref="ConfigException">They cannot be used; the message names file, key and reason.</exception>
    public static void CheckSettings(ReimzulConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        WebApps.CheckSettings(config, "controller", config.Controller.Http);
    }

    /// <summary>The service as configured in <c>[controller]</c> and <c>[tls]</c>; nothing listens before it is started.</summary>
    /// <exception cref="ConfigException">TLS or authentication settings are inconsistent, or their files unusable.</exception>
    public static WebServer Create(ReimzulConfig config, IJobQueueFactory queues, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(queues);
        var (builder, auth, logger) = WebApps.Prepare(config, "controller", config.Controller.Http, "Reimzul.Web.Controller", loggerFactory);
        var app = WebApps.Build(builder, logger, "this service serves GET and PUT /reimzul-incoming/NAME.src.rpm, POST /reimzul/submit, POST /reimzul/submit-bulk and GET /reimzul/cancels/BUILD_ID");

        var incoming = config.Paths.Incoming;
        Directory.CreateDirectory(incoming);
        var checksums = new IncomingChecksums();
        var uploads = new IncomingUploads(incoming, config.Controller.MaxSrpmBytes, checksums, logger);
        var core = BuildSubmitter.Create(config, queues, logger, incomingShownAs: "of the controller");
        // Keys are kept long enough for any client's retries, then forgotten so the store stays small.
        var pruned = core.PruneKeys(DateTimeOffset.UtcNow - BuildSubmitter.KeyLifetime);
        if (pruned > 0)
        {
            logger.LogInformation("Forgot {Count} build ids used as submit keys more than {Days} days ago ({Dir})", pruned, BuildSubmitter.KeyLifetime.TotalDays, core.KeysDirectory);
        }
        var git = new BuildRequests.GitSubmit(new GitToSrpm.GitSrpmMaker(config.Scm, config.Builder.RpmbuildPath, logger), core, logger);
        var submits = new SubmitEndpoint(core, config.Acl, git);
        var bulkSubmits = new BulkSubmitEndpoint(core, config.Acl);

        var srpmRoute = RemoteProtocol.IncomingPrefix + "/{name}";
        app.MapMethods(srpmRoute, [HttpMethods.Get, HttpMethods.Head], (HttpContext context, string name) => Replies.GuardAsync(async () =>
        {
            if (!InputRules.TryValidateSrpmFileName(name, out var error))
            {
                return Replies.Error(StatusCodes.Status400BadRequest, error);
            }
            var path = Path.Combine(incoming, name);
            if (!File.Exists(path))
            {
                return Replies.Error(StatusCodes.Status404NotFound, $"SRPM '{name}' is not in the incoming dir");
            }
            context.Response.Headers[RemoteProtocol.Sha256Header] = await checksums.GetAsync(path, context.RequestAborted);
            return Results.File(path, "application/x-rpm", enableRangeProcessing: true);
        }));
        app.MapPut(srpmRoute, (HttpContext context, string name) => Replies.GuardAsync(async () =>
        {
            if (!auth.TryAuthenticate(context, out var submitter, out var refusal))
            {
                return refusal;
            }
            var result = await uploads.UploadAsync(name, context.Request, submitter, context.RequestAborted);
            return Results.Json(result, RemoteJsonContext.Readable.SrpmUploadResult, statusCode: result.Created ? StatusCodes.Status201Created : StatusCodes.Status200OK);
        }));
        app.MapMethods(srpmRoute, [HttpMethods.Post, HttpMethods.Delete, HttpMethods.Patch], (HttpContext context) =>
            Replies.MethodNotAllowed(context, "GET, HEAD, PUT"));

        app.MapPost(RemoteProtocol.SubmitPath, (HttpContext context, CancellationToken cancellationToken) => Replies.GuardAsync(async () =>
        {
            if (!auth.TryAuthenticate(context, out var submitter, out var refusal))
            {
                return refusal;
            }
            var request = await Replies.ReadJsonAsync(context.Request, RemoteJsonContext.Default.SubmitRequest, cancellationToken);
            return await submits.SubmitAsync(request, submitter, cancellationToken);
        }));
        app.MapPost(RemoteProtocol.BulkSubmitPath, (HttpContext context, CancellationToken cancellationToken) => Replies.GuardAsync(async () =>
        {
            if (!auth.TryAuthenticate(context, out var submitter, out var refusal))
            {
                return refusal;
            }
            BulkSubmitEndpoint.AllowBody(context);
            var request = await Replies.ReadJsonAsync(context.Request, RemoteJsonContext.Default.BulkSubmitRequest, cancellationToken);
            return await bulkSubmits.SubmitAsync(request, submitter, cancellationToken);
        }));

        CancelEndpoint.Map(app, CancelRecords.Under(config.Paths.DataDir));

        return new WebServer("controller", app);
    }
}
