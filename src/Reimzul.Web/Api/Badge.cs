using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Reimzul.History;
using Reimzul.Messages;
using Reimzul.Status;
using Reimzul.Validation;

namespace Reimzul.Web.Api;

/// <summary>
/// <c>GET /badge/TARGET/PACKAGE.svg</c>: the state of the package's newest build in the target as an SVG badge
/// (shields.io's flat look), for READMEs and dashboards. A build of several arches shows the worst of them.
/// </summary>
internal static class Badge
{
    private const int Scanned = 20;

    public static void Map(IEndpointRouteBuilder app, ApiServices services)
    {
        app.MapGet("/badge/{target}/{package}.svg", (HttpContext context, string target, string package, CancellationToken cancellationToken) =>
            ReadEndpoints.ReadAsync(context, services, async ct =>
            {
                if (!InputRules.TryValidateTarget(target, out var error) || !InputRules.TryValidatePathComponent("package", package, out error))
                {
                    throw new ApiRefusal(error);
                }
                var page = await services.History.ListAsync(new BuildQuery { Target = target, PkgName = package, Limit = Scanned }, ct);
                var state = StateOf(page.Records);
                context.Response.Headers.CacheControl = "no-cache";
                return Results.Text(Svg(package, state ?? "no builds"), "image/svg+xml; charset=utf-8", statusCode: state is null ? StatusCodes.Status404NotFound : StatusCodes.Status200OK);
            }));
    }

    /// <summary>The state of the newest build among <paramref name="newestFirst"/>: the worst of its arches.</summary>
    public static string? StateOf(IReadOnlyList<BuildRecord> newestFirst)
    {
        if (newestFirst.Count == 0)
        {
            return null;
        }
        var newest = newestFirst[0];
        var arches = newestFirst.Where(r => newest.BuildId is { } id ? r.BuildId == id : r.Timestamp == newest.Timestamp).Select(r => r.Status).ToList();
        string[] worstFirst = [BuildStatus.Failed, BuildStates.Canceled, BuildStatus.Building, BuildStatus.Override, BuildStatus.Success];
        return worstFirst.FirstOrDefault(arches.Contains) ?? newest.Status;
    }

    public static string Svg(string label, string state)
    {
        var color = state switch
        {
            BuildStatus.Success => "#4c1",
            BuildStatus.Failed => "#e05d44",
            BuildStatus.Building => "#007ec6",
            BuildStatus.Override => "#dfb317",
            _ => "#9f9f9f",
        };
        // Verdana 11px averages about 6.5 px per character; close enough for a badge.
        var left = 10 + (int)Math.Ceiling(label.Length * 6.5);
        var right = 10 + (int)Math.Ceiling(state.Length * 6.5);
        var width = left + right;
        var l = WebUtility.HtmlEncode(label);
        var s = WebUtility.HtmlEncode(state);
        return string.Create(CultureInfo.InvariantCulture, $"""
            <svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="20" role="img" aria-label="{l}: {s}">
              <title>{l}: {s}</title>
              <linearGradient id="g" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>
              <clipPath id="r"><rect width="{width}" height="20" rx="3" fill="#fff"/></clipPath>
              <g clip-path="url(#r)"><rect width="{left}" height="20" fill="#555"/><rect x="{left}" width="{right}" height="20" fill="{color}"/><rect width="{width}" height="20" fill="url(#g)"/></g>
              <g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">
                <text x="{left / 2.0}" y="14">{l}</text>
                <text x="{left + right / 2.0}" y="14">{s}</text>
              </g>
            </svg>
            """);
    }
}
