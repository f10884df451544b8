using System.Text.Json;
using Reimzul.Processes;
using Reimzul.Tests.Support;

namespace Reimzul.Tests.EndToEnd.Chaos;

/// <summary>
/// What must hold however often roles and servers were killed: nothing lost, no NEVRA twice in any
/// repo, every stored result announced, recorded and staged for signing, nothing left behind.
/// </summary>
public sealed class ChaosInvariants(Func<string[], Task<ProcessResult>> historyCli, string storeDataDir, Func<string> describe)
{
    private string RepoRoot => Path.Combine(storeDataDir, "bstore", "repo");

    private string TosignRoot => Path.Combine(storeDataDir, "bstore", "tosign");

    /// <summary>Waits until every expected (srpm, arch) has a Success record and its RPMs are in the repodata.</summary>
    public async Task WaitForEveryBuildAsync(IReadOnlyCollection<(string Srpm, string Arch)> expected, TimeSpan timeout)
    {
        IReadOnlyList<Record> records = [];
        await Eventually.WaitAsync(async () =>
        {
            records = await SuccessesAsync();
            return expected.All(e => records.Any(r => r.Srpm == e.Srpm && r.Arch == e.Arch));
        }, timeout, () => "builds never recorded Success: "
            + string.Join(", ", expected.Where(e => !records.Any(r => r.Srpm == e.Srpm && r.Arch == e.Arch)).Select(e => $"{e.Srpm} ({e.Arch})"))
            + "\nlatest Failed records: " + FailuresAsync().GetAwaiter().GetResult()
            + "\n" + describe());

        await Eventually.WaitAsync(() => records.All(r => ResultRpms(r).All(IsIndexed)), TimeSpan.FromSeconds(90),
            () => "results recorded but not in the repodata: "
                + string.Join(", ", records.SelectMany(ResultRpms).Where(f => !IsIndexed(f)).Select(f => Path.GetRelativePath(RepoRoot, f)))
                + "\n" + describe());
    }

    /// <summary>Each repo lists every NEVRA once; each result dir in a repo is the latest recorded Success of its build and is staged.</summary>
    public async Task AssertStoreIsConsistentAsync()
    {
        var records = await SuccessesAsync();
        foreach (var repo in Directory.EnumerateDirectories(RepoRoot).Where(d => File.Exists(Path.Combine(d, "repodata", "repomd.xml"))))
        {
            var target = Path.GetFileName(repo);
            var twice = RepoPrimary.Read(repo).GroupBy(p => p.Nevra).Where(g => g.Count() > 1)
                .Select(g => $"{g.Key} from {string.Join(" and ", g.Select(p => p.Location))}").ToList();
            Assert.True(twice.Count == 0, $"repo {target} lists a NEVRA twice: {string.Join("; ", twice)}\n{describe()}");

            foreach (var resultDir in ResultDirs(repo))
            {
                var parts = Path.GetRelativePath(repo, resultDir).Split(Path.DirectorySeparatorChar);
                var (pkg, timestamp, evrArch) = (parts[0], parts[1], parts[2]);
                var record = records.FirstOrDefault(r => r.Target == target && r.PkgName == pkg && r.Timestamp == timestamp && $"{r.Evr}.{r.Arch}" == evrArch);
                Assert.True(record is not null,
                    $"{target}/{pkg}/{timestamp}/{evrArch} holds RPMs but is not the recorded Success of any build (never announced, or built twice)\n{describe()}");
                foreach (var rpm in Directory.EnumerateFiles(resultDir, "*.rpm"))
                {
                    var staged = new FileInfo(Path.Combine(TosignRoot, target, Path.GetFileName(rpm)));
                    Assert.True(staged.Exists && staged.Length == new FileInfo(rpm).Length,
                        $"{Path.GetRelativePath(RepoRoot, rpm)} is published but not staged for signing\n{describe()}");
                }
            }
        }
    }

    /// <summary>Nothing but the registry of running workers is left in a builder's results dir once its workers stopped.</summary>
    public static void AssertNoLeftovers(string workerDataDir)
    {
        var results = Path.Combine(workerDataDir, "results");
        var left = Directory.Exists(results)
            ? Directory.EnumerateFiles(results, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(results, f)).ToList()
            : [];
        Assert.True(left.Count == 0, $"left in {results}: {string.Join(", ", left)}");
    }

    private bool IsIndexed(string rpm)
    {
        var target = Path.GetRelativePath(RepoRoot, rpm).Split(Path.DirectorySeparatorChar)[0];
        var repo = Path.Combine(RepoRoot, target);
        if (!File.Exists(Path.Combine(repo, "repodata", "repomd.xml")))
        {
            return false;
        }
        var location = Path.GetRelativePath(repo, rpm);
        return RepoPrimary.Read(repo).Any(p => p.Location == location);
    }

    private IEnumerable<string> ResultRpms(Record r)
    {
        var dir = Path.Combine(RepoRoot, r.Target, r.PkgName, r.Timestamp, $"{r.Evr}.{r.Arch}");
        return Directory.Exists(dir) ? Directory.EnumerateFiles(dir, "*.rpm") : [];
    }

    /// <summary>repo/&lt;target&gt;/&lt;pkg&gt;/&lt;timestamp&gt;/&lt;evr&gt;.&lt;arch&gt;/ dirs that hold RPMs (failed builds store only logs).</summary>
    private static IEnumerable<string> ResultDirs(string repo) =>
        from pkg in Directory.EnumerateDirectories(repo)
        where !Path.GetFileName(pkg).StartsWith('.') && Path.GetFileName(pkg) != "repodata"
        from timestamp in Directory.EnumerateDirectories(pkg)
        from result in Directory.EnumerateDirectories(timestamp)
        where Directory.EnumerateFiles(result, "*.rpm").Any()
        select result;

    private async Task<string> FailuresAsync()
    {
        var result = await historyCli(["query", "-s", "Failed", "--json"]);
        return result.Succeeded ? "\n" + result.StandardOutput : result.StandardError;
    }

    private async Task<IReadOnlyList<Record>> SuccessesAsync()
    {
        var result = await historyCli(["query", "-s", "Success", "--json"]);
        if (!result.Succeeded)
        {
            // The history host may be down right now: nothing recorded as far as this poll can tell.
            return [];
        }
        return [.. JsonDocument.Parse(result.StandardOutput).RootElement.EnumerateArray().Select(e => new Record(
            e.GetProperty("srpm").GetString()!, e.GetProperty("arch").GetString()!, e.GetProperty("target").GetString()!,
            e.GetProperty("pkgname").GetString()!, e.GetProperty("timestamp").GetString()!, e.GetProperty("evr").GetString()!))];
    }

    private sealed record Record(string Srpm, string Arch, string Target, string PkgName, string Timestamp, string Evr);
}
