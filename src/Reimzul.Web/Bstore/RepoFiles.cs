using System.Diagnostics.CodeAnalysis;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.FileProviders.Physical;
using Reimzul.Protocol;
using Reimzul.Web.Hosting;

namespace Reimzul.Web.Bstore;

/// <summary>
/// The repo tree served read-only under <c>/bstore/repo/</c>, for mock and dnf (repodata, RPMs) and for people
/// (build logs, listings). Hidden entries (createrepo_c's <c>.repodata</c> in progress) are not served; paths cannot
/// leave the repo; every method but GET and HEAD is refused.
/// </summary>
internal static class RepoFiles
{
    public static void Map(WebApplication app, string repo, bool listing)
    {
        Directory.CreateDirectory(repo);
        var files = new PhysicalFileProvider(repo, ExclusionFilters.Sensitive);
        var requestPath = new PathString(RemoteProtocol.RepoPrefix);
        // Middleware rather than a route: a route on these paths would turn every GET into routing's own 405.
        app.Use(async (context, next) =>
        {
            if (context.Request.Path.StartsWithSegments(requestPath) && !HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
            {
                await Replies.MethodNotAllowed(context, "GET, HEAD").ExecuteAsync(context);
                return;
            }
            // The file provider hides dot files but not what lies inside dot dirs, such as createrepo_c's .repodata in progress.
            if (context.Request.Path.StartsWithSegments(requestPath, out var rest) && rest.Value is { } inRepo && inRepo.Contains("/.", StringComparison.Ordinal))
            {
                await Replies.Error(StatusCodes.Status404NotFound, "hidden entries of the repo are not served").ExecuteAsync(context);
                return;
            }
            await next(context);
        });
        if (listing)
        {
            app.UseDirectoryBrowser(new DirectoryBrowserOptions { RequestPath = requestPath, FileProvider = files, RedirectToAppendTrailingSlash = true });
        }
        app.UseStaticFiles(new StaticFileOptions
        {
            RequestPath = requestPath,
            FileProvider = files,
            ContentTypeProvider = new RepoContentTypes(),
            ServeUnknownFileTypes = true,
            DefaultContentType = "application/octet-stream",
        });
    }

    /// <summary>Logs display in a browser; RPMs and compressed metadata download.</summary>
    private sealed class RepoContentTypes : IContentTypeProvider
    {
        private const string Text = "text/plain; charset=utf-8";

        private readonly FileExtensionContentTypeProvider _byExtension = new()
        {
            Mappings =
            {
                [".rpm"] = "application/x-rpm",
                [".log"] = Text,
                [".xml"] = "application/xml",
                [".gz"] = "application/gzip",
                [".zst"] = "application/zstd",
                [".xz"] = "application/x-xz",
                [".bz2"] = "application/x-bzip2",
                [".sqlite"] = "application/vnd.sqlite3",
                [".cfg"] = Text,
            },
        };

        public bool TryGetContentType(string subpath, [MaybeNullWhen(false)] out string contentType)
        {
            // The build tools' output streams, kept beside the logs.
            if (Path.GetFileName(subpath) is "stdout" or "stderr")
            {
                contentType = Text;
                return true;
            }
            return _byExtension.TryGetContentType(subpath, out contentType);
        }
    }
}
