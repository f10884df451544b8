using Reimzul.Tests.EndToEnd;
using Reimzul.Tests.Support;

namespace Reimzul.Tests.Chains;

/// <summary>
/// <c>reimzul chain-build</c> and <c>submit --after</c> against the real <c>reimzul up</c>: a group starts only once the
/// group before it succeeded and is listed in repodata; a failure stops the chain and records the rest Canceled; a
/// chain survives a hard kill of the process that runs it.
/// </summary>
public sealed class ChainBuildFacts : IAsyncLifetime, IDisposable
{
    private readonly Installation install = new();
    private RunningProcess up = null!;

    public async Task InitializeAsync() => up = await install.StartUpAsync(workers: 2);

    public async Task DisposeAsync() => await up.DisposeAsync();

    public void Dispose() => install.Dispose();

    private async Task<string> ChainAsync(params string[] arguments)
    {
        var result = await install.RunAsync(["chain-build", "-a", "noarch", "-d", ".el7", .. arguments]);
        Assert.True(result.Succeeded, $"chain-build failed: {result.StandardError}");
        return result.StandardOutput;
    }

    /// <summary>When the history recorded each status of each SRPM, from the log file in the order it was written.</summary>
    private List<(string Srpm, string Status)> Events() => [.. install.Log().Select(l => (l.Srpm, l.Status))];

    private int IndexOf(string srpm, string status) => Events().IndexOf((srpm, status));

    private async Task WaitForStatusAsync(string srpm, string status, int seconds = 120) =>
        await Eventually.WaitAsync(() => IndexOf(srpm, status) >= 0, TimeSpan.FromSeconds(seconds),
            () => $"{srpm} never reached {status}; log:\n{(File.Exists(install.LogFile) ? File.ReadAllText(install.LogFile) : "(none)")}");

    [Fact]
    public async Task TheSecondGroupStartsOnlyOnceEveryBuildOfTheFirstIsListedInRepodata()
    {
        var a = await install.MakeSrpmAsync(SrpmFactory.NoarchSpec("chain-a"));
        var b = await install.MakeSrpmAsync(SrpmFactory.SleepingSpec("chain-b", 2));
        var c = await install.MakeSrpmAsync(SrpmFactory.NoarchSpec("chain-c"));

        var output = await ChainAsync("-t", "chain1", a, b, ":", c);

        Assert.Contains("of 2 groups for target chain1.noarch", output, StringComparison.Ordinal);
        Assert.Contains("group 2: chain-c-1.0-1.src.rpm, build id ", output, StringComparison.Ordinal);
        await WaitForStatusAsync("chain-c-1.0-1.src.rpm", "Success");
        var cBuilding = IndexOf("chain-c-1.0-1.src.rpm", "Building");
        Assert.True(cBuilding > IndexOf("chain-a-1.0-1.src.rpm", "Success") && cBuilding > IndexOf("chain-b-1.0-1.src.rpm", "Success"),
            $"chain-c started before the first group was done: {string.Join(", ", Events())}");
        // The chain role queued C only after a createrepo_c run listed both: its log says so before C's build.
        var lines = up.Lines.ToList();
        var queued = lines.FindIndex(l => l.Contains("group 2 of 2 queued", StringComparison.Ordinal));
        Assert.True(queued >= 0, up.Output);
        Assert.True(lines.FindLastIndex(queued, l => l.Contains("repodata of chain1.noarch regenerated", StringComparison.Ordinal)) >= 0,
            "no repodata run before the second group was queued");
        await install.WaitForRepoAsync("chain1.noarch", "chain-a-1.0-1.el7.noarch", "chain-b-1.0-1.el7.noarch", "chain-c-1.0-1.el7.noarch");
    }

    [Fact]
    public async Task AFailureStopsTheChainAndTheLaterGroupsAreRecordedCanceledNotBuilt()
    {
        var ok = await install.MakeSrpmAsync(SrpmFactory.NoarchSpec("chain-ok"));
        var broken = await install.MakeSrpmAsync(SrpmFactory.FailingSpec("chain-broken"));
        var later = await install.MakeSrpmAsync(SrpmFactory.NoarchSpec("chain-later"));
        var last = await install.MakeSrpmAsync(SrpmFactory.NoarchSpec("chain-last"));

        await ChainAsync("-t", "chain2", ok, broken, ":", later, ":", last);

        await WaitForStatusAsync("chain-later-1.0-1.src.rpm", "Canceled");
        await WaitForStatusAsync("chain-last-1.0-1.src.rpm", "Canceled");
        Assert.Equal(-1, IndexOf("chain-later-1.0-1.src.rpm", "Building"));
        Assert.Equal(-1, IndexOf("chain-last-1.0-1.src.rpm", "Building"));
        // Where it stopped and why, in the chain role's log.
        await Eventually.WaitAsync(() => up.Output.Contains("chain stopped: chain-broken-1.0-1.src.rpm failed (group 1 of 3); 2 later builds recorded Canceled, not built", StringComparison.Ordinal),
            TimeSpan.FromSeconds(30), () => up.Output);
    }

    [Fact]
    public async Task AChainGoesOnAfterTheProcessRunningItIsKilledMidway()
    {
        var slow = await install.MakeSrpmAsync(SrpmFactory.SleepingSpec("chain-slow", 4));
        var after = await install.MakeSrpmAsync(SrpmFactory.NoarchSpec("chain-after"));

        await ChainAsync("-t", "chain3", slow, ":", after);
        await WaitForStatusAsync("chain-slow-1.0-1.src.rpm", "Building");
        up.KillHard(entireTree: true);
        await up.DisposeAsync();
        up = await install.StartUpAsync(workers: 2);

        await WaitForStatusAsync("chain-after-1.0-1.src.rpm", "Success", seconds: 180);
        Assert.True(IndexOf("chain-after-1.0-1.src.rpm", "Building") > IndexOf("chain-slow-1.0-1.src.rpm", "Success"));
        await install.WaitForRepoAsync("chain3.noarch", "chain-slow-1.0-1.el7.noarch", "chain-after-1.0-1.el7.noarch");
    }

    [Fact]
    public async Task SubmitAfterABuildIdBuildsOnlyOnceThatBuildIsInTheRepo()
    {
        var first = await install.MakeSrpmAsync(SrpmFactory.SleepingSpec("after-first", 2));
        var second = await install.MakeSrpmAsync(SrpmFactory.NoarchSpec("after-second"));
        var submitted = await install.SubmitAsync(first, "after", "noarch");
        var buildId = submitted.StandardOutput.Split("build id ")[1][..32];

        var result = await install.RunAsync("submit", "-s", second, "-a", "noarch", "-t", "after", "-d", ".el7", "--after", buildId);

        Assert.True(result.Succeeded, result.StandardError);
        Assert.Contains($"group 1: build id {buildId} (queued before)", result.StandardOutput, StringComparison.Ordinal);
        await WaitForStatusAsync("after-second-1.0-1.src.rpm", "Success");
        Assert.True(IndexOf("after-second-1.0-1.src.rpm", "Building") > IndexOf("after-first-1.0-1.src.rpm", "Success"));
    }

    [Fact]
    public async Task AChainWithABadSrpmIsRefusedWholeAndNothingIsQueued()
    {
        var good = await install.MakeSrpmAsync(SrpmFactory.NoarchSpec("chain-good"));
        var junk = Path.Combine(install.Sources, "junk-1.0-1.src.rpm");
        await File.WriteAllTextAsync(junk, "not an rpm");

        var result = await install.RunAsync("chain-build", "-a", "noarch", "-d", ".el7", "-t", "chain4", good, ":", junk);

        Assert.False(result.Succeeded);
        Assert.Contains($"'{junk}' is not a usable source RPM", result.StandardError, StringComparison.Ordinal);
        Assert.StartsWith("reimzul: nothing was queued: 1 of 2 SRPMs cannot be submitted", result.StandardError, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(install.DataDir, "incoming", "chain-good-1.0-1.src.rpm")), "a refused chain placed an SRPM in incoming");
    }
}
