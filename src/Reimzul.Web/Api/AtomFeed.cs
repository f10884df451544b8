using System.Globalization;
using System.Text;
using System.Xml;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Reimzul.Status;

namespace Reimzul.Web.Api;

/// <summary>
/// <c>GET /feed.atom</c>: the newest builds as an Atom feed (RFC 4287), one entry per build and arch in its current
/// state; takes the filters of <c>/api/v1/builds</c>. Every text is written by <see cref="XmlWriter"/>, so markup in a
/// package name stays text; characters XML cannot hold are replaced.
/// </summary>
internal static class AtomFeed
{
    private const string Atom = "http://www.w3.org/2005/Atom";

    public static void Map(IEndpointRouteBuilder app, ApiServices services)
    {
        app.MapGet("/feed.atom", (HttpContext context, CancellationToken cancellationToken) => ReadEndpoints.ReadAsync(context, services, async ct =>
        {
            var list = await services.ReadModel.ListBuildsAsync(ApiQuery.Builds(context.Request.Query), ct);
            var self = $"{context.Request.Scheme}://{context.Request.Host}{context.Request.PathBase}";
            return Results.Bytes(Render(list.Builds, self, services.Time.GetUtcNow()), "application/atom+xml; charset=utf-8");
        }));
    }

    /// <summary>The feed as UTF-8 bytes (a string writer would declare UTF-16).</summary>
    public static byte[] Render(IReadOnlyList<BuildRow> builds, string baseUrl, DateTimeOffset now)
    {
        using var bytes = new MemoryStream();
        var settings = new XmlWriterSettings { Indent = true, Encoding = new UTF8Encoding(false), OmitXmlDeclaration = false };
        using (var writer = XmlWriter.Create(bytes, settings))
        {
            writer.WriteStartDocument();
            writer.WriteStartElement("feed", Atom);
            writer.WriteElementString("title", Atom, "Reimzul builds");
            writer.WriteElementString("id", Atom, Clean(baseUrl + "/feed.atom"));
            writer.WriteElementString("updated", Atom, Time(builds.Count > 0 ? builds[0].RecordedAt : now));
            Link(writer, "self", baseUrl + "/feed.atom");
            foreach (var build in builds)
            {
                writer.WriteStartElement("entry", Atom);
                var title = $"{build.PkgName}-{build.Evr} {build.Arch} {build.Status} ({build.Target})";
                writer.WriteElementString("title", Atom, Clean(title));
                writer.WriteElementString("id", Atom, Clean($"urn:reimzul:build:{build.BuildId ?? build.Srpm}:{build.Arch}:{build.Timestamp}:{build.Status}"));
                writer.WriteElementString("updated", Atom, Time(build.RecordedAt));
                if (build.BuildId is { } id)
                {
                    Link(writer, "alternate", $"{baseUrl}{ApiEndpoints.Prefix}/builds/{Uri.EscapeDataString(id)}");
                }
                if (build.LogUrl is { } log)
                {
                    Link(writer, "related", log);
                }
                writer.WriteStartElement("author", Atom);
                writer.WriteElementString("name", Atom, Clean(build.Submitter ?? "unknown"));
                writer.WriteEndElement();
                writer.WriteElementString("summary", Atom, Clean(
                    $"{build.Srpm} for {build.Target} on {build.Arch}: {build.Status}" + (build.Builder is { } b ? $" (builder {b})" : "")));
                writer.WriteEndElement();
            }
            writer.WriteEndElement();
            writer.WriteEndDocument();
        }
        return bytes.ToArray();
    }

    private static void Link(XmlWriter writer, string rel, string href)
    {
        writer.WriteStartElement("link", Atom);
        writer.WriteAttributeString("rel", rel);
        writer.WriteAttributeString("href", Clean(href));
        writer.WriteEndElement();
    }

    private static string Time(DateTimeOffset time) => time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    // XML 1.0 cannot hold most control characters at all (escaped or not); a lone surrogate is no character either.
    private static string Clean(string value)
    {
        var clean = new StringBuilder(value.Length);
        Span<char> chars = stackalloc char[2];
        foreach (var rune in value.EnumerateRunes())
        {
            var kept = rune.IsBmp && !XmlConvert.IsXmlChar((char)rune.Value) ? Rune.ReplacementChar : rune;
            clean.Append(chars[..kept.EncodeToUtf16(chars)]);
        }
        return clean.ToString();
    }
}
