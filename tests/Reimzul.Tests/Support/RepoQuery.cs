using Reimzul.Processes;

namespace Reimzul.Tests.Support;

/// <summary>Reads a yum repo with dnf, a client nobody here wrote.</summary>
public static class RepoQuery
{
    /// <summary>name-version-release.arch of every package in the repo at <paramref name="repoDir"/>.</summary>
    public static async Task<IReadOnlyList<string>> ListAsync(string repoDir)
    {
        var (listed, error) = await TryListAsync(repoDir);
        Assert.True(listed is not null, $"dnf repoquery failed: {error}");
        return listed;
    }

    /// <summary>The same for a repo dir or URL, with dnf run where <paramref name="runOn"/> says (e.g. on a test host); null and dnf's error when it cannot read the repo.</summary>
    public static async Task<(IReadOnlyList<string>? Listed, string Error)> TryListAsync(string repo, Func<ProcessSpec, ProcessSpec>? runOn = null, string? caCert = null)
    {
        var cache = Path.Combine(Path.GetTempPath(), $"reimzul-dnf-{Guid.NewGuid():N}");
        try
        {
            var dnf = new ProcessSpec("dnf",
            [
                "-q", "--releasever=7", "--setopt=reposdir=/dev/null", "--setopt=cachedir=" + cache, "--setopt=r.gpgcheck=0",
                .. caCert is null ? Array.Empty<string>() : ["--setopt=r.sslcacert=" + caCert],
                "--repofrompath=r," + repo, "--repo=r", "repoquery", "--qf", "%{name}-%{version}-%{release}.%{arch}",
            ]) { Timeout = TimeSpan.FromMinutes(1) };
            var result = await ProcessRunner.Default.RunAsync(runOn is null ? dnf : runOn(dnf));
            return result.Succeeded
                ? ([.. result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Order(StringComparer.Ordinal)], "")
                : (null, $"({result.ExitCode}) {result.StandardError}");
        }
        finally
        {
            if (Directory.Exists(cache))
            {
                Directory.Delete(cache, recursive: true);
            }
        }
    }
}
