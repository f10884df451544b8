namespace Reimzul.Config;

/// <summary><c>[scm]</c>: where remote builds clone packages and fetch their sources, and how long that may take.</summary>
public sealed record ScmOptions
{
    /// <summary><c>[scm] git_url</c>: packages are cloned from <c>GIT_URL/r/rpms/PKG.git</c>, sources fetched from <c>GIT_URL/sources</c>.</summary>
    public string GitUrl { get; init; } = "https://git.centos.org";

    /// <summary><c>[scm] git_path</c>: the git program.</summary>
    public string GitPath { get; init; } = "git";

    /// <summary><c>[scm] timeout</c>: the clone, every source download and <c>rpmbuild -bs</c> together take at most this long.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary><c>[scm] max_source_mb</c>: a lookaside file larger than this is refused.</summary>
    public long MaxSourceBytes { get; init; } = 2048L * 1024 * 1024;

    internal static ScmOptions Read(ConfigSection scm)
    {
        var defaults = new ScmOptions();
        return new ScmOptions
        {
            GitUrl = scm.Checked("git_url", CheckGitUrl)?.TrimEnd('/') ?? defaults.GitUrl,
            GitPath = scm.Word("git_path") ?? defaults.GitPath,
            Timeout = scm.Duration("timeout", TimeSpan.FromSeconds(1), TimeSpan.FromDays(1)) ?? defaults.Timeout,
            MaxSourceBytes = scm.Megabytes("max_source_mb", 1, 1024L * 1024) ?? defaults.MaxSourceBytes,
        };
    }

    // Sources are fetched over HTTP(S) from the same base, so git_url must be an HTTP(S) URL.
    private static string? CheckGitUrl(string value) =>
        value.Length == 0 ? "is empty"
        : Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && string.IsNullOrEmpty(uri.Query) && !value.Any(char.IsWhiteSpace)
            ? null
        : $"'{value}' is not an http(s) URL without a query (packages are cloned from GIT_URL/r/rpms/PKG.git and sources fetched from GIT_URL/sources)";
}
