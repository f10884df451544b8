using Reimzul.Processes;
using Reimzul.Tests.Support;

namespace Reimzul.Tests.EndToEnd;

/// <summary>A data dir and configuration of one machine's Reimzul, as an operator would lay it out.</summary>
public sealed class Installation : IDisposable
{
    private readonly TempDir _root = new("reimzul-e2e");

    public Installation(string extraConfig = "")
    {
        DataDir = _root.Combine("data");
        Sources = _root.Combine("sources");
        ConfigFile = _root.Combine("reimzul.ini");
        Directory.CreateDirectory(Sources);
        File.WriteAllText(ConfigFile, $"""
            [builder]
            backend = rpmbuild
            timeout = 20
            ttr = 5
            retry_delay = 2

            [repogen]
            workers = 2

            [web]
            listen = 127.0.0.1
            port = 0
            {extraConfig}
            """);
    }

    public string DataDir { get; }

    public string Sources { get; }

    public string ConfigFile { get; }

    public string LogFile => Path.Combine(DataDir, "log", "reimzul.log");

    public string Repo(string target) => Path.Combine(DataDir, "bstore", "repo", target);

    public string Tosign(string target) => Path.Combine(DataDir, "bstore", "tosign", target);

    public string[] With(params string[] arguments) => [.. arguments, "--config", ConfigFile, "--data-dir", DataDir];

    public Task<ProcessResult> RunAsync(params string[] arguments) => ReimzulCli.RunAsync(With(arguments));

    public RunningProcess Start(params string[] arguments) => ReimzulCli.Start(With(arguments));

    public async Task<RunningProcess> StartUpAsync(int workers)
    {
        var up = Start("up", "--workers", workers.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await up.WaitForLineAsync("waiting for jobs on x86_64");
        return up;
    }

    public Task<string> MakeSrpmAsync(string specText) => SrpmFactory.BuildAsync(specText, Sources);

    public async Task<ProcessResult> SubmitAsync(string srpm, string target, string arch = "x86_64", params string[] flags)
    {
        var result = await RunAsync(["submit", "-s", srpm, "-a", arch, "-t", target, "-d", ".el7", .. flags]);
        Assert.True(result.Succeeded, $"submit failed: {result.StandardError}");
        return result;
    }

    public IReadOnlyList<BuildLogLine> Log() => BuildLogLine.ReadAll(LogFile);

    /// <summary>Waits until the log file holds a final status for <paramref name="srpm"/> on each of <paramref name="arches"/>.</summary>
    public async Task<IReadOnlyList<BuildLogLine>> WaitForResultsAsync(string srpm, params string[] arches)
    {
        static bool Final(BuildLogLine l) => l.Status is "Success" or "Failed";
        await Eventually.WaitAsync(
            () => arches.All(a => Log().Any(l => l.Srpm == srpm && l.Arch == a && Final(l))),
            TimeSpan.FromSeconds(90),
            () => $"no result for {srpm} on {string.Join(",", arches)}; log:\n{(File.Exists(LogFile) ? File.ReadAllText(LogFile) : "(none)")}");
        return [.. Log().Where(l => l.Srpm == srpm)];
    }

    /// <summary>Waits until dnf lists every one of <paramref name="packages"/> in the target's repo.</summary>
    public async Task<IReadOnlyList<string>> WaitForRepoAsync(string target, params string[] packages)
    {
        IReadOnlyList<string> listed = [];
        await Eventually.WaitAsync(
            async () => File.Exists(Path.Combine(Repo(target), "repodata", "repomd.xml"))
                && packages.All((listed = await RepoQuery.ListAsync(Repo(target))).Contains),
            TimeSpan.FromSeconds(60),
            () => $"repo {target} lists [{string.Join(", ", listed)}], expected [{string.Join(", ", packages)}]");
        return listed;
    }

    public void Dispose() => _root.Dispose();
}
