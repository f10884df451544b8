using Reimzul.Processes;

namespace Reimzul.Tests.Support;

/// <summary>Reads a yum repo with dnf, a client nobody here wrote.</summary>
public static class RepoQuery
{
    /// <summary>name-version-release.arch of every package in the repo at <paramref name="repoDir"/>.</summary>
    public static async Task<IReadOnlyList<string>> ListAsync(string repoDir)
    {
        var cache = Path.Combine(Path.GetTempPath(), $"reimzul-dnf-{Guid.NewGuid():N}");
        try
        {
            var result = await ProcessRunner.Default.RunAsync(new ProcessSpec("dnf",
            [
                "-q", "--releasever=7", "--setopt=reposdir=/dev/null", "--setopt=cachedir=" + cache, "--setopt=r.gpgcheck=0",
                "--repofrompath=r," + repoDir, "--repo=r", "repoquery", "--qf", "%{name}-%{version}-%{release}.%{arch}",
            ]) { Timeout = TimeSpan.FromMinutes(1) });
            Assert.True(result.Succeeded, $"dnf repoquery failed ({result.ExitCode}): {result.StandardError}");
            return [.. result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Order(StringComparer.Ordinal)];
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
