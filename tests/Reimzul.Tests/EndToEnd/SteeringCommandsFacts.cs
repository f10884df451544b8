using System.Globalization;
using System.Text.RegularExpressions;
using Reimzul.Processes;
using Reimzul.Tests.Support;

namespace Reimzul.Tests.EndToEnd;

/// <summary>
/// One <c>reimzul up</c> with a single worker, its web role on a known port, and the CLI configured as a writer
/// (<c>[web] url</c>, <c>token_file</c>): the commands a packager steers builds with, run as they would be.
/// </summary>
public sealed class SteeringFixture : IAsyncLifetime
{
    private const string Token = "steering-writer-0123456789abcdef";
    private readonly string _secrets = Directory.CreateTempSubdirectory("reimzul-steer-").FullName;

    public SteeringFixture()
    {
        var port = BeanstalkdServer.FreePort().ToString(CultureInfo.InvariantCulture);
        var tokens = Path.Combine(_secrets, "web.tokens");
        var tokenFile = Path.Combine(_secrets, "my.token");
        File.WriteAllText(tokens, $"{Token} packager\n");
        File.WriteAllText(tokenFile, Token + "\n");
        // The same file configures the web role (tokens, port) and the client (url, token_file), as on a laptop.
        Install = new Installation($"""
            tokens = {tokens}
            url = http://127.0.0.1:{port}/
            token_file = {tokenFile}
            """);
        File.WriteAllText(Install.ConfigFile, File.ReadAllText(Install.ConfigFile).Replace("port = 0", $"port = {port}", StringComparison.Ordinal));
    }

    public Installation Install { get; }

    public RunningProcess Up { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Up = await Install.StartUpAsync(workers: 1);
        await Up.WaitForLineAsync("web: http");
    }

    /// <summary>Builds an SRPM from <paramref name="spec"/> and submits it with <paramref name="flags"/>; returns the build id and what submit printed.</summary>
    public async Task<(string BuildId, ProcessResult Result)> SubmitAsync(string spec, string target, params string[] flags)
    {
        var srpm = await Install.MakeSrpmAsync(spec);
        var result = await Install.RunAsync(["submit", "-s", srpm, "-a", "x86_64", "-t", target, "-d", ".el7", .. flags]);
        var match = Regex.Match(result.StandardOutput, @"build id ([0-9a-f]{32})");
        Assert.True(match.Success, $"no build id in: {result.StandardOutput}{result.StandardError}");
        return (match.Groups[1].Value, result);
    }

    public async Task DisposeAsync()
    {
        await Up.DisposeAsync();
        Install.Dispose();
        Directory.Delete(_secrets, recursive: true);
    }
}

public sealed class SteeringCommandsFacts(SteeringFixture fixture) : IClassFixture<SteeringFixture>
{
    private Installation Install => fixture.Install;

    private static string Output(ProcessResult r) => $"exit {r.ExitCode}\nstdout:\n{r.StandardOutput}\nstderr:\n{r.StandardError}";

    [Fact]
    public async Task SubmitWaitRepoPrintsEachStateThenWaitsUntilTheRepodataListsItAndSucceeds()
    {
        var (id, result) = await fixture.SubmitAsync(SrpmFactory.NoarchSpec("steer-waited"), "c7.steer-wait", "--wait-repo");

        Assert.True(result.Succeeded, Output(result));
        var lines = result.StandardOutput.Split('\n');
        Assert.Contains(lines, l => Regex.IsMatch(l, $@"^\d+:\d\d:\d\d {id} x86_64: Success after \d+\.\d s$"));
        Assert.Contains(lines, l => Regex.IsMatch(l, $@"^\d+:\d\d:\d\d {id}: listed in the repodata of c7.steer-wait.x86_64"));
        Assert.Equal("Succeeded", lines.Last(l => l.Length > 0));
        // Listed when it said so: dnf finds it without waiting.
        Assert.Contains("steer-waited-1.0-1.el7.noarch", await RepoQuery.ListAsync(Install.Repo("c7.steer-wait.x86_64")));
    }

    [Fact]
    public async Task WatchOfAFailedBuildExitsNonZeroAndLogsPrintsItsBuildLog()
    {
        var (id, _) = await fixture.SubmitAsync(SrpmFactory.FailingSpec("steer-broken"), "c7.steer-fail");

        var watch = await Install.RunAsync("watch", id);

        Assert.Equal(1, watch.ExitCode);
        Assert.Contains($"{id} x86_64: Failed", watch.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("FAILED: an arch failed or was canceled", watch.StandardOutput, StringComparison.Ordinal);
        var logs = await Install.RunAsync("logs", id);
        Assert.True(logs.Succeeded, Output(logs));
        Assert.Contains("exit 1", logs.StandardOutput, StringComparison.Ordinal);

        // Resubmitting the failed arch builds it again under a new id, and it fails again the same way.
        var resubmit = await Install.RunAsync("resubmit", id, "--failed", "--wait");
        Assert.Equal(1, resubmit.ExitCode);
        var newId = Regex.Match(resubmit.StandardOutput, @"resubmitted as build ([0-9a-f]{32}) \(x86_64\)").Groups[1].Value;
        Assert.False(string.IsNullOrEmpty(newId), Output(resubmit));
        Assert.NotEqual(id, newId);
        Assert.Contains($"{newId} x86_64: Failed", resubmit.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LogsFollowPrintsTheBuildLogAsItIsWrittenAndStopsWhenTheBuildEnds()
    {
        var (id, _) = await fixture.SubmitAsync(Ui.UiSpecs.Ticking("steer-ticking", 6), "c7.steer-follow");
        await Eventually.WaitAsync(() => Install.Log().Any(l => l.Status == "Building" && l.Srpm.StartsWith("steer-ticking", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(60), () => $"the ticking build never started\n{fixture.Up.Describe()}");

        await using var follow = Install.Start("logs", "-f", id);
        // The first ticks arrive while the build still runs: followed, not printed after the fact.
        await follow.WaitForLineAsync("tick 2 of 6");
        Assert.DoesNotContain(Install.Log(), l => l.Srpm.StartsWith("steer-ticking", StringComparison.Ordinal) && l.Status == "Success");
        await follow.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(0, follow.ExitCode);
        Assert.Contains(follow.Lines, l => l.Contains("tick 6 of 6", StringComparison.Ordinal));
        // Markup in a log is printed as the bytes it is.
        Assert.Contains(follow.Lines, l => l.Contains(Ui.UiSpecs.HostileLine, StringComparison.Ordinal));
    }

    [Fact]
    public async Task CancelRemovesAQueuedBuildAtOnceAndStopsTheRunningOneWithinSeconds()
    {
        var (running, _) = await fixture.SubmitAsync(SrpmFactory.SleepingSpec("steer-sleeper", 60), "c7.steer-cancel");
        await Eventually.WaitAsync(() => Install.Log().Any(l => l.Status == "Building" && l.Srpm.StartsWith("steer-sleeper", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(60), () => $"the sleeper never started\n{fixture.Up.Describe()}");
        // The only worker is busy: this one waits in the tube.
        var (queued, _) = await fixture.SubmitAsync(SrpmFactory.NoarchSpec("steer-queued"), "c7.steer-cancel");

        var dropQueued = await Install.RunAsync("cancel", queued);
        Assert.True(dropQueued.Succeeded, Output(dropQueued));
        Assert.Contains($"build {queued}: canceled; removed x86_64 from the queue", dropQueued.StandardOutput, StringComparison.Ordinal);

        var stopRunning = await Install.RunAsync("cancel", running);
        Assert.True(stopRunning.Succeeded, Output(stopRunning));
        Assert.Contains($"build {running}: cancel requested; stopping x86_64", stopRunning.StandardOutput, StringComparison.Ordinal);

        var watch = await Install.RunAsync("watch", running, queued);
        Assert.Equal(1, watch.ExitCode);
        Assert.Contains($"{running} x86_64: Canceled", watch.StandardOutput, StringComparison.Ordinal);
        Assert.Contains($"{queued} x86_64: Canceled", watch.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("canceled by packager", watch.StandardOutput, StringComparison.Ordinal);
        // Canceled, not Failed: stopped before the builder's 20 s timeout would have killed its 60 s sleep.
        Assert.DoesNotContain(Install.Log(), l => l.Srpm.StartsWith("steer-sleeper", StringComparison.Ordinal) && l.Status == "Failed");
        Assert.DoesNotContain(Install.Log(), l => l.Srpm.StartsWith("steer-queued", StringComparison.Ordinal) && l.Status == "Building");

        var again = await Install.RunAsync("cancel", running);
        Assert.Equal(2, again.ExitCode);
        Assert.Contains("409", again.StandardError, StringComparison.Ordinal);
    }
}
