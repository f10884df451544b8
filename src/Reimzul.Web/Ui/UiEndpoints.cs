using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Reimzul.Web.Ui;

/// <summary>
/// The web UI's routes: every page answers with the same small HTML shell, whose script renders the page from
/// <c>/api/v1</c>; <c>/ui/app.js</c> and <c>/ui/app.css</c> are the embedded files. Nothing here reads the history:
/// the pages see exactly what the API serves, through the same filters and paging.
/// </summary>
public static class UiEndpoints
{
    /// <summary>
    /// Scripts only from this site and no inline script, so even a name that slipped into the page as markup could not
    /// run; the API and the badges are same-origin, RPM and log links are plain navigation.
    /// </summary>
    internal const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

    /// <summary>The page routes, for the 404 text of a server that serves the UI.</summary>
    public const string Served = "the web UI at /, /builds, /builds/ID, /builds/ID/logs/ARCH/build.log|root.log and /packages/NAME";

    private static readonly string[] PageRoutes =
    [
        "/",
        "/builds",
        "/builds/{buildId}",
        "/builds/{buildId}/logs/{arch}/{file}",
        "/packages/{pkgname}",
    ];

    public static IEndpointRouteBuilder MapUi(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var assets = UiAssets.Load();
        foreach (var route in PageRoutes)
        {
            app.MapGet(route, (HttpContext context) => Serve(context, assets.Shell, immutable: false));
        }
        app.MapGet("/ui/app.js", (HttpContext context) => Serve(context, assets.Script, Versioned(context, assets.Script)));
        app.MapGet("/ui/app.css", (HttpContext context) => Serve(context, assets.Stylesheet, Versioned(context, assets.Stylesheet)));
        return app;
    }

    // A request naming the current version may be cached for good; any other is revalidated.
    private static bool Versioned(HttpContext context, UiAsset asset) =>
        string.Equals(context.Request.Query["v"].ToString(), asset.ETagValue, StringComparison.Ordinal);

    private static IResult Serve(HttpContext context, UiAsset asset, bool immutable)
    {
        var headers = context.Response.Headers;
        headers.ETag = asset.ETag;
        headers.CacheControl = immutable ? "public, max-age=31536000, immutable" : "no-cache";
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "same-origin";
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        if (context.Request.Headers.IfNoneMatch.Contains(asset.ETag))
        {
            return Results.StatusCode(StatusCodes.Status304NotModified);
        }
        return Results.Bytes(asset.Content, asset.ContentType);
    }
}
