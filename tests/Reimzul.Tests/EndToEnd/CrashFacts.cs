using System.Text.Json;
using Reimzul.Tests.Support;

namespace Reimzul.Tests.EndToEnd;

/// <summary>Nothing is lost when a worker dies or is stopped mid-build.</summary>
public sealed class CrashFacts : IDisposable
{
    private readonly Installation _install = new();

    [Fact]
    public async Task AJobOfAWorkerKilledMidBuildIsBuiltWhenAWorkerComesBack()
    {
        await using var notifier = _install.Start("notifier");
        await using var repogen = _install.Start("repogen-worker");
        var srpm = await _install.MakeSrpmAsync(SrpmFactory.SleepingSpec("slow", 4));
        await _install.SubmitAsync(srpm, "c7.crash", "noarch");

        var doomed = _install.Start("worker");
        await Eventually.WaitAsync(() => _install.Log().Any(l => l.Srpm == "slow-1.0-1.src.rpm" && l.Status == "Building"),
            TimeSpan.FromSeconds(60), () => "the build never started:\n" + doomed.Output);
        await Eventually.WaitAsync(() => ResultsFiles().Any(f => !f.StartsWith(".workers/", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(20), () => "the killed worker had no work dir");
        doomed.KillHard();
        await doomed.DisposeAsync();

        var survivor = _install.Start("worker");
        var lines = await _install.WaitForResultsAsync("slow-1.0-1.src.rpm", "noarch");
        Assert.Equal("Success", lines[^1].Status);
        await _install.WaitForRepoAsync("c7.crash.noarch", "slow-1.0-1.el7.noarch");

        // The attempt that died is not left Building forever.
        await Eventually.WaitAsync(async () => (await QueryCountAsync("Building", "c7.crash.noarch")) == 0,
            TimeSpan.FromSeconds(20), () => "a Building record of the killed attempt remained");

        // Nothing of the killed attempt is left in the results dir: only the running worker's lock file.
        await Eventually.WaitAsync(() => ResultsFiles() is [var only] && only.StartsWith(".workers/", StringComparison.Ordinal) && only.EndsWith(".lock", StringComparison.Ordinal),
            TimeSpan.FromSeconds(20), () => "left in results/: " + string.Join(", ", ResultsFiles()));
        Assert.Equal(0, await survivor.InterruptAsync());
        await survivor.DisposeAsync();
        Assert.Empty(ResultsFiles());

        // And a worker started again finds nothing to clean and leaves nothing behind.
        await using (var again = _install.Start("worker"))
        {
            await again.WaitForLineAsync("waiting for jobs");
            Assert.Equal(0, await again.InterruptAsync());
        }
        Assert.Empty(ResultsFiles());
    }

    private string[] ResultsFiles()
    {
        var results = Path.Combine(_install.DataDir, "results");
        return Directory.Exists(results)
            ? [.. Directory.EnumerateFiles(results, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(results, f))]
            : [];
    }

    [Fact]
    public async Task CtrlCStopsUpCleanlyAndTheInterruptedJobIsBuiltOnTheNextStart()
    {
        var srpm = await _install.MakeSrpmAsync(SrpmFactory.SleepingSpec("interrupted", 3));
        var up = await _install.StartUpAsync(workers: 1);
        await _install.SubmitAsync(srpm, "c7.ctrlc", "noarch");
        await Eventually.WaitAsync(() => _install.Log().Any(l => l.Srpm == "interrupted-1.0-1.src.rpm" && l.Status == "Building"),
            TimeSpan.FromSeconds(60), () => "the build never started:\n" + up.Output);

        Assert.Equal(0, await up.InterruptAsync());
        await up.DisposeAsync();
        Assert.DoesNotContain(_install.Log(), l => l.Srpm == "interrupted-1.0-1.src.rpm" && l.Status is "Success" or "Failed");

        await using var again = await _install.StartUpAsync(workers: 1);
        var lines = await _install.WaitForResultsAsync("interrupted-1.0-1.src.rpm", "noarch");
        Assert.Equal("Success", lines[^1].Status);
        await _install.WaitForRepoAsync("c7.ctrlc.noarch", "interrupted-1.0-1.el7.noarch");
    }

    private async Task<int> QueryCountAsync(string status, string target)
    {
        var result = await _install.RunAsync("query", "-s", status, "-t", target, "--json");
        Assert.True(result.Succeeded, result.StandardError);
        return JsonDocument.Parse(result.StandardOutput).RootElement.GetArrayLength();
    }

    public void Dispose() => _install.Dispose();
}
