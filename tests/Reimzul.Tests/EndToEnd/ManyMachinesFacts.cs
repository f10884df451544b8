using Reimzul.Tests.Support;

namespace Reimzul.Tests.EndToEnd;

/// <summary>
/// The original's topology from the example configs with tokens over HTTP (<c>docs/examples/three-hosts/tokens/</c>),
/// on test hosts in network namespaces: builds across hosts survive a builder killed mid-build, a beanstalkd restart,
/// and bstore or the controller down for a while. Needs root.
/// </summary>
public sealed class ManyMachinesFacts : IAsyncLifetime
{
    private ThreeHosts _hosts = null!;

    public async Task InitializeAsync() => _hosts = await ThreeHosts.StartAsync("tokens");

    public async Task DisposeAsync() => await _hosts.DisposeAsync();

    [Fact]
    public async Task BuildsCrossHostsAndSurviveABuilderKilledMidBuildAndABeanstalkdRestart()
    {
        var sources = Path.Combine(_hosts.HostDir("client"), "sources");

        // An arch-specific package (with its chained i386 build) and a noarch one, submitted from the client host.
        var arch = await SrpmFactory.BuildAsync(SrpmFactory.CProgramSpec("cross-c"), sources);
        var noarch = await SrpmFactory.BuildAsync(SrpmFactory.NoarchSpec("cross-noarch"), sources);
        foreach (var srpm in new[] { arch, noarch })
        {
            var submitted = await _hosts.SubmitAsync(srpm, "x86_64");
            Assert.True(submitted.Succeeded, submitted.StandardError);
            Assert.Contains("by alice", submitted.StandardOutput, StringComparison.Ordinal);
        }
        var built = await _hosts.WaitForSuccessAsync("cross-c-2.0-1.src.rpm", "x86_64", "i386");
        await _hosts.WaitForSuccessAsync("cross-noarch-1.0-1.src.rpm", "x86_64");
        var listed = await _hosts.RepoOverHttpAsync("c7.x86_64", "cross-c-2.0-1.el7.x86_64", "cross-c-2.0-1.el7.i686", "cross-c-libs-2.0-1.el7.x86_64", "cross-noarch-1.0-1.el7.noarch");
        Assert.Contains("cross-c-libs-2.0-1.el7.i686", listed);
        // The history's builder is the name bstore authenticated the upload as (its token's name).
        Assert.Contains(built.Builder, new[] { "b1", "b2" });
        Assert.Contains($"{built.Builder}: stored result c7.x86_64/cross-c/", _hosts.Bstore.Output, StringComparison.Ordinal);

        // Each builder's own /metrics counts what it built and uploaded; bstore's, the createrepo_c runs of its repogen.
        var workers = new List<string>();
        foreach (var builder in new[] { "b1", "b2" })
        {
            workers.Add(await _hosts.CurlAsync(builder, $"http://127.0.0.1:{ThreeHosts.WorkerMetricsPort}/metrics"));
        }
        Assert.Equal(3, workers.Sum(m => PrometheusSamples.Sum(m, "reimzul_builds_finished_total", "status=\"Success\"")));
        Assert.Equal(1, workers.Sum(m => PrometheusSamples.Sum(m, "reimzul_builds_finished_total", "arch=\"i386\"")));
        Assert.True(workers.Sum(m => PrometheusSamples.Sum(m, "reimzul_upload_bytes_total", "")) > 0, string.Join("\n", workers));
        Assert.Equal(3, workers.Sum(m => PrometheusSamples.Sum(m, "reimzul_build_duration_seconds_count", "")));
        var bstoreMetrics = await _hosts.CurlAsync("client", $"http://{_hosts.BstoreAddress}:11081/metrics");
        Assert.True(PrometheusSamples.Sum(bstoreMetrics, "reimzul_createrepo_runs_total", "target=\"c7.x86_64\"") >= 1, bstoreMetrics);

        // A builder dies in the middle of a build: the other one builds the job.
        var slow = await SrpmFactory.BuildAsync(SrpmFactory.SleepingSpec("cross-slow", 5), sources);
        Assert.True((await _hosts.SubmitAsync(slow, "noarch")).Succeeded);
        await Eventually.WaitAsync(() => _hosts.LogLines().Any(l => l.Srpm == "cross-slow-1.0-1.src.rpm" && l.Status == "Building"),
            TimeSpan.FromSeconds(60), () => "the slow build never started");
        var victim = _hosts.LogLines().First(l => l.Srpm == "cross-slow-1.0-1.src.rpm" && l.Status == "Building").Builder;
        _hosts.Builders[victim].KillHard(entireTree: true);
        var survivor = victim == "b1" ? "b2" : "b1";
        var slowResult = await _hosts.WaitForSuccessAsync("cross-slow-1.0-1.src.rpm", "noarch");
        Assert.Equal(survivor, slowResult.Builder);
        _hosts.Builders[victim] = _hosts.StartBuilder(victim);

        // beanstalkd is killed and restarted under load: every job queued before is still built.
        var burst = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            var srpm = await SrpmFactory.BuildAsync(SrpmFactory.NoarchSpec($"cross-load{i}"), sources);
            Assert.True((await _hosts.SubmitAsync(srpm, "noarch")).Succeeded);
            burst.Add(Path.GetFileName(srpm));
        }
        _hosts.Beanstalkd.KillHard();
        await _hosts.Beanstalkd.WaitForExitAsync();
        await _hosts.StartBeanstalkdAsync();
        foreach (var srpm in burst)
        {
            await _hosts.WaitForSuccessAsync(srpm, "noarch");
        }
        await _hosts.RepoOverHttpAsync("c7.noarch", [.. Enumerable.Range(0, 4).Select(i => $"cross-load{i}-1.0-1.el7.noarch"), "cross-slow-1.0-1.el7.noarch"]);
    }

    [Fact]
    public async Task ABuildCanceledOnTheControllerHostStopsOnItsBuilderWithinTenSecondsAndItsLiveLogReachedBstore()
    {
        var sources = Path.Combine(_hosts.HostDir("client"), "sources");
        var slow = await SrpmFactory.BuildAsync(SrpmFactory.SleepingSpec("cross-cancel", 300), sources);
        var submitted = await _hosts.SubmitAsync(slow, "noarch");
        Assert.True(submitted.Succeeded, submitted.StandardError);
        var buildId = System.Text.RegularExpressions.Regex.Match(submitted.StandardOutput, "build id ([0-9a-f]{32})").Groups[1].Value;
        Assert.NotEmpty(buildId);
        await Eventually.WaitAsync(() => _hosts.LogLines().Any(l => l.Srpm == "cross-cancel-1.0-1.src.rpm" && l.Status == "Building"),
            TimeSpan.FromSeconds(60), () => "the slow build never started\n" + _hosts.Diagnostics());
        var builder = _hosts.LogLines().First(l => l.Srpm == "cross-cancel-1.0-1.src.rpm" && l.Status == "Building").Builder;
        // The builder streams its log to bstore's live log dir while it builds.
        var live = Path.Combine(_hosts.HostDir("bstore"), "data", "bstore", "live", buildId, "noarch", "build.log");
        await Eventually.WaitAsync(() => File.Exists(live) && new FileInfo(live).Length > 0, TimeSpan.FromSeconds(30),
            () => $"no live build.log on bstore at {live}\n" + _hosts.Diagnostics());

        // The cancel record is kept on the controller host (as the web role writes it); the builder asks the controller.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Reimzul.Cancels.CancelRecords.Under(Path.Combine(_hosts.HostDir("ctl"), "data"))
            .Write(new Reimzul.Worker.CancelRequest { BuildId = buildId, RequestedBy = "alice", RequestedAt = DateTimeOffset.UtcNow });
        await Eventually.WaitAsync(() => _hosts.Builders[builder].Output.Contains($"build {buildId}: canceled by alice; stopping it", StringComparison.Ordinal),
            TimeSpan.FromSeconds(10), () => $"the builder did not stop the build within 10 s\n" + _hosts.Diagnostics());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"stopped after {clock.Elapsed.TotalSeconds:0.0} s");
        await Eventually.WaitAsync(() => _hosts.LogLines().Any(l => l.Srpm == "cross-cancel-1.0-1.src.rpm" && l.Status == "Canceled"),
            TimeSpan.FromSeconds(30), () => "no Canceled in the controller's log\n" + _hosts.Diagnostics());
        Assert.True(File.Exists(live + ".complete"), "the live log was not marked complete");
        Assert.DoesNotContain(_hosts.LogLines(), l => l.Srpm == "cross-cancel-1.0-1.src.rpm" && l.Status is "Success" or "Failed");
    }

    [Fact]
    public async Task BuildsQueuedWhileBstoreOrTheControllerIsDownAreDoneOnceTheyAreBack()
    {
        var sources = Path.Combine(_hosts.HostDir("client"), "sources");

        // bstore down: bstore hands out each build's timestamp, so the worker waits for it before building, retrying
        // with back-off, and Success comes only once the result is there.
        _hosts.Bstore.KillHard();
        await _hosts.Bstore.WaitForExitAsync();
        var first = await SrpmFactory.BuildAsync(SrpmFactory.NoarchSpec("while-bstore-down"), sources);
        Assert.True((await _hosts.SubmitAsync(first, "noarch")).Succeeded);
        await Eventually.WaitAsync(() => _hosts.Builders.Values.Any(b => b.Lines.Any(l => l.Contains("for the timestamp of while-bstore-down", StringComparison.Ordinal) && l.Contains("retry in", StringComparison.Ordinal))),
            TimeSpan.FromSeconds(60), () => "no worker is waiting for bstore\n" + _hosts.Diagnostics());
        Assert.DoesNotContain(_hosts.LogLines(), l => l.Srpm == "while-bstore-down-1.0-1.src.rpm" && l.Status == "Success");
        _hosts.Bstore = _hosts.StartBstore();
        await _hosts.WaitForSuccessAsync("while-bstore-down-1.0-1.src.rpm", "noarch");
        await _hosts.RepoOverHttpAsync("c7.noarch", "while-bstore-down-1.0-1.el7.noarch");

        // Controller down after the submit: workers cannot fetch the SRPM, the job waits for it.
        foreach (var builder in _hosts.Builders.Values)
        {
            builder.KillHard(entireTree: true);
            await builder.WaitForExitAsync();
        }
        var second = await SrpmFactory.BuildAsync(SrpmFactory.NoarchSpec("while-controller-down"), sources);
        Assert.True((await _hosts.SubmitAsync(second, "noarch")).Succeeded);
        _hosts.Controller.KillHard();
        await _hosts.Controller.WaitForExitAsync();
        _hosts.Builders["b1"] = _hosts.StartBuilder("b1");
        await Eventually.WaitAsync(() => _hosts.Builders["b1"].Output.Contains("cannot download while-controller-down-1.0-1.src.rpm", StringComparison.Ordinal),
            TimeSpan.FromSeconds(60), () => "the worker never tried the job\n" + _hosts.Diagnostics());
        Assert.DoesNotContain(_hosts.LogLines(), l => l.Srpm == "while-controller-down-1.0-1.src.rpm" && l.Status is "Success" or "Failed");
        _hosts.Controller = _hosts.StartReimzul("ctl", "controller", Path.Combine(_hosts.HostDir("ctl"), "etc", "reimzul.ini"));
        await _hosts.WaitForSuccessAsync("while-controller-down-1.0-1.src.rpm", "noarch");
        await _hosts.RepoOverHttpAsync("c7.noarch", "while-controller-down-1.0-1.el7.noarch");
    }
}
