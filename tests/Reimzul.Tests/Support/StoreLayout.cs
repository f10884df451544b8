using Reimzul.Config;
using Reimzul.Processes;

namespace Reimzul.Tests.Support;

/// <summary>A fresh data dir, and the ways store tests put builds into it and look at its repos.</summary>
public sealed class StoreLayout : IDisposable
{
    private readonly TempDir dir = new("reimzul-store");

    public StoreLayout() => Paths = ReimzulPaths.UnderDataDir(dir.Path);

    public ReimzulPaths Paths { get; }

    public string Root => dir.Path;

    public string RepoDir(string target) => Path.Combine(Paths.Repo, target);

    /// <summary>Copies <paramref name="rpm"/> where a stored build puts it: <c>repo/target/name/timestamp/evr.arch/</c>.</summary>
    public string PlaceBuild(string target, BuiltRpm rpm, string timestamp = "20240102030405", string? evrArch = null)
    {
        var buildDir = Path.Combine(Paths.Repo, target, rpm.Name, timestamp, evrArch ?? $"{rpm.Evr}.{rpm.Arch}");
        Directory.CreateDirectory(buildDir);
        var destination = Path.Combine(buildDir, rpm.FileName);
        File.Copy(rpm.Path, destination, overwrite: true);
        return destination;
    }

    /// <summary>What dnf finds in the repodata of <paramref name="repoDir"/>, with private cache and config so the host is not touched.</summary>
    public async Task<IReadOnlyList<string>> RepoqueryAsync(string repoDir)
    {
        var dnfDir = Path.Combine(dir.Path, "dnf-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dnfDir);
        var result = await ProcessRunner.Default.RunAsync(new ProcessSpec("dnf",
        [
            "-q", "--releasever=7",
            "--repofrompath=r," + repoDir, "--repo=r", "--setopt=r.gpgcheck=0",
            "--setopt=cachedir=" + Path.Combine(dnfDir, "cache"),
            "--setopt=persistdir=" + Path.Combine(dnfDir, "persist"),
            "--setopt=logdir=" + Path.Combine(dnfDir, "log"),
            "--setopt=reposdir=/dev/null",
            "repoquery", "--qf", "%{name}-%{version}-%{release}.%{arch}",
        ]));
        Assert.True(result.Succeeded, $"dnf repoquery on {repoDir} failed ({result.ExitCode}): {result.StandardError}");
        return result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Order(StringComparer.Ordinal).ToList();
    }

    public void Dispose() => dir.Dispose();
}
