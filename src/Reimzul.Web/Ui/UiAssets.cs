using System.Security.Cryptography;

namespace Reimzul.Web.Ui;

/// <summary>
/// The files of the web UI (the page shell, its script and stylesheet), embedded in the assembly at build time, so the
/// native <c>reimzul</c> serves them with nothing to install beside it and no front-end build step anywhere.
/// </summary>
internal sealed class UiAssets
{
    private const string Prefix = "Reimzul.Web.Ui.Assets.";

    private UiAssets(UiAsset shell, UiAsset script, UiAsset stylesheet)
    {
        Shell = shell;
        Script = script;
        Stylesheet = stylesheet;
    }

    /// <summary>The HTML every page route answers with; the script renders the page from the API.</summary>
    public UiAsset Shell { get; }

    public UiAsset Script { get; }

    public UiAsset Stylesheet { get; }

    public static UiAssets Load()
    {
        var script = Read("app.js", "text/javascript; charset=utf-8");
        var stylesheet = Read("app.css", "text/css; charset=utf-8");
        // The shell names its script and stylesheet with their content hash, so a browser may keep them for good
        // and a new release is still fetched at once.
        var shell = Read("index.html", "text/html; charset=utf-8", text => text
            .Replace("/ui/app.js", "/ui/app.js?v=" + script.ETagValue, StringComparison.Ordinal)
            .Replace("/ui/app.css", "/ui/app.css?v=" + stylesheet.ETagValue, StringComparison.Ordinal));
        return new UiAssets(shell, script, stylesheet);
    }

    private static UiAsset Read(string name, string contentType, Func<string, string>? rewrite = null)
    {
        using var stream = typeof(UiAssets).Assembly.GetManifestResourceStream(Prefix + name)
            ?? throw new InvalidOperationException($"the web UI file {name} is not embedded in {typeof(UiAssets).Assembly.GetName().Name}");
        using var reader = new StreamReader(stream);
        var text = reader.ReadToEnd();
        if (rewrite is not null)
        {
            text = rewrite(text);
        }
        var bytes = System.Text.Encoding.UTF8.GetBytes(text);
        var hash = Convert.ToHexStringLower(SHA256.HashData(bytes))[..16];
        return new UiAsset(bytes, contentType, hash);
    }
}

/// <summary>One embedded file, its media type and a content hash that serves as its ETag and version.</summary>
internal sealed record UiAsset(byte[] Content, string ContentType, string ETagValue)
{
    public string ETag => $"\"{ETagValue}\"";
}
