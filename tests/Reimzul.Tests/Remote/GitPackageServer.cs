using System.Globalization;
using System.Security.Cryptography;
using Reimzul.Processes;
using Reimzul.Tests.Support;

namespace Reimzul.Tests.Remote;

/// <summary>
/// A CentOS-style package server on loopback: bare git repos at <c>/r/rpms/PKG.git</c> (served with git's "dumb"
/// HTTP protocol, after <c>git update-server-info</c>) and lookaside files at <c>/sources/PKG/DIR/HASH</c>, all
/// served by a real HTTP server (Python's http.server) from a temp dir.
/// </summary>
public sealed class GitPackageServer : IAsyncDisposable
{
    private readonly TempDir _root = new("reimzul-git");
    private RunningProcess? _http;

    public int Port { get; private set; }

    public string GitUrl => $"http://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}";

    public static async Task<GitPackageServer> StartAsync()
    {
        var server = new GitPackageServer { Port = BeanstalkdServer.FreePort() };
        Directory.CreateDirectory(server._root.Combine("www"));
        server._http = new RunningProcess(new ProcessSpec("python3",
            ["-m", "http.server", server.Port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--directory", server._root.Combine("www")]));
        await Eventually.WaitAsync(() => BeanstalkdServer.AcceptsAsync(server.Port), TimeSpan.FromSeconds(20), () => $"http.server did not listen:\n{server._http.Describe()}");
        return server;
    }

    /// <summary>
    /// Commits <paramref name="spec"/> as <c>SPECS/PKG.spec</c> and each source (listed in <c>.PKG.metadata</c> with
    /// its sha256 and stored in the lookaside) on <paramref name="branch"/>, with <paramref name="message"/>; returns the commit.
    /// </summary>
    /// <param name="lookasideContent">What the lookaside serves instead of the real content (a hash mismatch).</param>
    public async Task<string> CommitAsync(string package, string branch, string? spec, IReadOnlyDictionary<string, string> sources, string message,
        IReadOnlyDictionary<string, string>? lookasideContent = null, string? sourcesDir = null)
    {
        var bare = _root.Combine("www", "r", "rpms", package + ".git");
        var work = _root.Combine("work", package);
        if (!Directory.Exists(bare))
        {
            Directory.CreateDirectory(bare);
            await GitAsync(bare, "init", "--quiet", "--bare");
            await GitAsync(_root.Path, "clone", "--quiet", bare, work);
        }
        var branches = await GitAsync(work, "branch", "--list", "--all");
        if (branches.Contains("origin/" + branch, StringComparison.Ordinal))
        {
            await GitAsync(work, "checkout", "--quiet", "-B", branch, "origin/" + branch);
        }
        else
        {
            await GitAsync(work, "checkout", "--quiet", "--orphan", branch);
            await GitAsync(work, "rm", "-rf", "--quiet", "--ignore-unmatch", ".");
        }
        if (spec is not null)
        {
            Directory.CreateDirectory(Path.Combine(work, "SPECS"));
            await File.WriteAllTextAsync(Path.Combine(work, "SPECS", package + ".spec"), string.Join('\n', spec.Split('\n').Select(l => l.TrimStart())));
        }
        var metadata = new List<string>();
        foreach (var (path, content) in sources)
        {
            var hash = Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(content)));
            metadata.Add($"{hash} {path}");
            var lookaside = _root.Combine("www", "sources", package, sourcesDir ?? branch);
            Directory.CreateDirectory(lookaside);
            var served = lookasideContent is not null && lookasideContent.TryGetValue(path, out var other) ? other : content;
            await File.WriteAllTextAsync(Path.Combine(lookaside, hash), served);
        }
        await File.WriteAllLinesAsync(Path.Combine(work, $".{package}.metadata"), metadata);
        // Sources are in the lookaside, never in git (centos-git-common's .gitignore does the same).
        await File.WriteAllTextAsync(Path.Combine(work, ".gitignore"), "SOURCES/\n");
        await GitAsync(work, "add", "-A");
        await GitAsync(work, "-c", "user.name=Packager", "-c", "user.email=packager@example.org", "commit", "--quiet", "--allow-empty", "-m", message);
        await GitAsync(work, "push", "--quiet", "origin", branch);
        await GitAsync(bare, "update-server-info");
        return (await GitAsync(work, "rev-parse", "HEAD")).Trim();
    }

    private static async Task<string> GitAsync(string directory, params string[] arguments)
    {
        var result = await ProcessRunner.Default.RunAsync(new ProcessSpec("git", arguments)
        {
            WorkingDirectory = directory,
            Environment = new Dictionary<string, string?> { ["GIT_CONFIG_GLOBAL"] = "/dev/null", ["GIT_CONFIG_NOSYSTEM"] = "1" },
            Timeout = TimeSpan.FromSeconds(60),
        });
        return result.Succeeded ? result.StandardOutput : throw new InvalidOperationException($"git {string.Join(' ', arguments)} failed: {result.StandardError}");
    }

    public async ValueTask DisposeAsync()
    {
        if (_http is { } http)
        {
            http.KillHard();
            await http.DisposeAsync();
        }
        _root.Dispose();
    }
}
