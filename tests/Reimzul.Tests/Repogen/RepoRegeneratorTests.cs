using System.Diagnostics;
using System.Runtime.Versioning;
using Microsoft.Extensions.Logging.Abstractions;
using Reimzul.Config;
using Reimzul.Processes;
using Reimzul.Repogen;
using Reimzul.Tests.Support;

namespace Reimzul.Tests.Repogen;

[Collection(StoreCollection.Name)]
[SupportedOSPlatform("linux")]
public sealed class RepoRegeneratorTests(StoreRpms rpms) : IDisposable
{
    private const string Target = "c7.1708.u.x86_64";
    private readonly StoreLayout layout = new();

    private RepoRegenerator Regenerator(RepogenOptions? options = null) =>
        new(layout.Paths, options ?? new RepogenOptions { Workers = 2 }, ProcessRunner.Default, NullLogger.Instance);

    private IEnumerable<string> Nevras(int count) => rpms.Packages.Take(count).Select(p => p.Nevra).Order(StringComparer.Ordinal);

    [Fact]
    public async Task WhenATargetIsRequestedAndRunItsRepodataListsTheBuiltPackages()
    {
        var regenerator = Regenerator();
        layout.PlaceBuild(Target, rpms.Packages[0]);
        layout.PlaceBuild(Target, rpms.Packages[1]);

        await regenerator.RequestAsync(Target, CancellationToken.None);
        Assert.True(regenerator.GetState(Target).Dirty);
        var report = await regenerator.RunPendingAsync(Target, CancellationToken.None);

        Assert.Equal(new RepogenReport(Target, 1, 0, null, false), report);
        Assert.Equal(new RepogenState(Target, Requested: 1, Completed: 1, Runs: 1, Failures: 0), regenerator.GetState(Target));
        Assert.Equal(Nevras(2), await layout.RepoqueryAsync(layout.RepoDir(Target)));
    }

    [Fact]
    public async Task WhenAnotherProcessHoldsTheTargetRequestsWaitAndOneRunCoversThemAllOnceItDies()
    {
        var regenerator = Regenerator();
        using var holder = await HoldLockInAnotherProcessAsync(regenerator.RunLockPath(Target));

        foreach (var rpm in rpms.Packages)
        {
            layout.PlaceBuild(Target, rpm);
            await regenerator.RequestAsync(Target, CancellationToken.None);
            var busy = await regenerator.RunPendingAsync(Target, CancellationToken.None);
            Assert.Equal(new RepogenReport(Target, 0, 0, null, Busy: true), busy);
        }
        Assert.False(Directory.Exists(Path.Combine(layout.RepoDir(Target), "repodata")));

        holder.Kill(entireProcessTree: true);
        await holder.WaitForExitAsync();
        var report = await regenerator.RunPendingAsync(Target, CancellationToken.None);

        Assert.Equal(1, report.Runs);
        var count = rpms.Packages.Count;
        Assert.Equal(new RepogenState(Target, Requested: count, Completed: count, Runs: 1, Failures: 0), regenerator.GetState(Target));
        Assert.Equal(Nevras(count), await layout.RepoqueryAsync(layout.RepoDir(Target)));
    }

    [Fact]
    public async Task WhenManyTasksRequestWhileRunsAreInProgressEveryPackageIsListedWithFarFewerRuns()
    {
        // Two instances stand for two processes: they share only the files on disk.
        var regenerators = new[] { Regenerator(), Regenerator() };
        const int rounds = 3;
        var reports = await Task.WhenAll(rpms.Packages.Select((rpm, i) => Task.Run(async () =>
        {
            var regenerator = regenerators[i % 2];
            layout.PlaceBuild(Target, rpm);
            var mine = new List<RepogenReport>();
            for (var round = 0; round < rounds; round++)
            {
                await regenerator.RequestAsync(Target, CancellationToken.None);
                mine.Add(await regenerator.RunPendingAsync(Target, CancellationToken.None));
            }
            return mine;
        })));

        var all = reports.SelectMany(r => r).ToList();
        var requests = rpms.Packages.Count * rounds;
        var state = regenerators[0].GetState(Target);
        Assert.All(all, r => Assert.True(r.Succeeded, r.LastError));
        Assert.Equal(requests, state.Requested);
        Assert.False(state.Dirty, $"a request was left behind: {state}");
        Assert.Equal(all.Sum(r => r.Runs), state.Runs);
        Assert.True(state.Runs <= requests / 2, $"{state.Runs} runs for {requests} requests");
        Assert.Equal(Nevras(rpms.Packages.Count), await layout.RepoqueryAsync(layout.RepoDir(Target)));
    }

    [Fact]
    public async Task WhenARequestArrivesJustBeforeTheRunnerLetsGoTheRunnerStillCoversIt()
    {
        var runner = Regenerator();
        var other = Regenerator();
        layout.PlaceBuild(Target, rpms.Packages[0]);
        await runner.RequestAsync(Target, CancellationToken.None);
        RepogenReport? lateReport = null;
        runner.AfterLastCheck = async target =>
        {
            runner.AfterLastCheck = null;
            layout.PlaceBuild(Target, rpms.Packages[1]);
            await other.RequestAsync(target, CancellationToken.None);
            lateReport = await other.RunPendingAsync(target, CancellationToken.None);
        };

        var report = await runner.RunPendingAsync(Target, CancellationToken.None);

        Assert.Equal(new RepogenReport(Target, 0, 0, null, Busy: true), lateReport);
        Assert.Equal(2, report.Runs);
        Assert.Equal(new RepogenState(Target, Requested: 2, Completed: 2, Runs: 2, Failures: 0), runner.GetState(Target));
        Assert.Equal(Nevras(2), await layout.RepoqueryAsync(layout.RepoDir(Target)));
    }

    [Fact]
    public async Task WhenTwoRunnersRaceOnOneTargetCreaterepoNeverRunsTwiceAtOnce()
    {
        var probe = WriteOverlapProbe();
        var options = new RepogenOptions { Workers = 1, CreaterepoPath = probe.Script };
        var regenerators = new[] { Regenerator(options), Regenerator(options) };
        layout.PlaceBuild(Target, rpms.Packages[0]);

        var reports = await Task.WhenAll(regenerators.Select(regenerator => Task.Run(async () =>
        {
            var mine = new List<RepogenReport>();
            for (var i = 0; i < 6; i++)
            {
                await regenerator.RequestAsync(Target, CancellationToken.None);
                mine.Add(await regenerator.RunPendingAsync(Target, CancellationToken.None));
            }
            return mine;
        })));

        var all = reports.SelectMany(r => r).ToList();
        var log = File.ReadAllLines(probe.Log);
        Assert.DoesNotContain("overlap", log);
        Assert.All(all, r => Assert.True(r.Succeeded, r.LastError));
        var state = regenerators[0].GetState(Target);
        Assert.Equal(new RepogenState(Target, 12, 12, state.Runs, 0), state);
        Assert.Equal(state.Runs, all.Sum(r => r.Runs));
        Assert.Equal(state.Runs, log.Count(l => l == "start"));
    }

    [Fact]
    public async Task WhenAKilledRunLeftItsTempDirTheNextRunRemovesItAndSucceeds()
    {
        var regenerator = Regenerator();
        layout.PlaceBuild(Target, rpms.Packages[0]);
        var leftover = Path.Combine(layout.RepoDir(Target), ".repodata");
        Directory.CreateDirectory(leftover);
        File.WriteAllText(Path.Combine(leftover, "primary.xml.gz"), "half written");

        await regenerator.RequestAsync(Target, CancellationToken.None);
        var report = await regenerator.RunPendingAsync(Target, CancellationToken.None);

        Assert.True(report.Succeeded, report.LastError);
        Assert.False(Directory.Exists(leftover));
        Assert.Equal(Nevras(1), await layout.RepoqueryAsync(layout.RepoDir(Target)));
    }

    [Fact]
    public async Task WhenTheRepoChangesOnEveryRunOnlyThreeOldGenerationsOfRepodataAreKept()
    {
        var regenerator = Regenerator(new RepogenOptions { Workers = 2, RetainOldMd = 3 });
        foreach (var rpm in rpms.Packages.Take(6))
        {
            layout.PlaceBuild(Target, rpm);
            await regenerator.RequestAsync(Target, CancellationToken.None);
            Assert.Equal(1, (await regenerator.RunPendingAsync(Target, CancellationToken.None)).Runs);
        }

        // primary, filelists and other per generation: the current one and three old ones, plus repomd.xml.
        var files = Directory.GetFiles(Path.Combine(layout.RepoDir(Target), "repodata"));
        Assert.True(files.Length <= (3 + 1) * 3 + 1, $"{files.Length} files in repodata: {string.Join(", ", files.Select(Path.GetFileName))}");
        Assert.Equal(Nevras(6), await layout.RepoqueryAsync(layout.RepoDir(Target)));
    }

    [Fact]
    public async Task WhenCreaterepoFailsTheTargetStaysDirtyUntilALaterRunSucceeds()
    {
        layout.PlaceBuild(Target, rpms.Packages[0]);
        var broken = Regenerator(new RepogenOptions { CreaterepoPath = "false" });
        await broken.RequestAsync(Target, CancellationToken.None);

        var failed = await broken.RunPendingAsync(Target, CancellationToken.None);

        Assert.Equal(1, failed.Failures);
        Assert.Contains("exited with 1", failed.LastError, StringComparison.Ordinal);
        Assert.Equal(new RepogenState(Target, Requested: 1, Completed: 0, Runs: 1, Failures: 1), broken.GetState(Target));

        var missing = await Regenerator(new RepogenOptions { CreaterepoPath = "/nonexistent/createrepo_c" }).RunPendingAsync(Target, CancellationToken.None);
        Assert.Contains("cannot run '/nonexistent/createrepo_c'", missing.LastError, StringComparison.Ordinal);

        var fixedRegenerator = Regenerator();
        var reports = await fixedRegenerator.RunAllPendingAsync(CancellationToken.None);

        Assert.Equal([new RepogenReport(Target, 1, 0, null, false)], reports);
        Assert.False(fixedRegenerator.GetState(Target).Dirty);
        Assert.Equal(Nevras(1), await layout.RepoqueryAsync(layout.RepoDir(Target)));
    }

    [Fact]
    public async Task WhenAProcessDiedAfterRequestingRunAllPendingRegeneratesEveryDirtyTarget()
    {
        const string other = "c7.1708.u.i386";
        var died = Regenerator();
        layout.PlaceBuild(Target, rpms.Packages[0]);
        layout.PlaceBuild(other, rpms.Packages[1]);
        await died.RequestAsync(Target, CancellationToken.None);
        await died.RequestAsync(other, CancellationToken.None);

        var reports = await Regenerator().RunAllPendingAsync(CancellationToken.None);

        Assert.Equal([other, Target], reports.Select(r => r.Target).Order(StringComparer.Ordinal));
        Assert.All(reports, r => Assert.Equal(1, r.Runs));
        Assert.Equal([rpms.Packages[0].Nevra], await layout.RepoqueryAsync(layout.RepoDir(Target)));
        Assert.Equal([rpms.Packages[1].Nevra], await layout.RepoqueryAsync(layout.RepoDir(other)));
        Assert.Empty(await Regenerator().RunAllPendingAsync(CancellationToken.None));
    }

    [Theory]
    [InlineData("")]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("../../etc")]
    [InlineData("c7/x86_64")]
    [InlineData("c7\0x86_64")]
    public async Task HostileTargetsAreRefusedWithAClearMessage(string target)
    {
        var regenerator = Regenerator();

        var request = await Assert.ThrowsAsync<ArgumentException>(() => regenerator.RequestAsync(target, CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentException>(() => regenerator.RunPendingAsync(target, CancellationToken.None));

        Assert.Contains("target", request.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(layout.Paths.RepogenState));
    }

    [Fact]
    public void CreaterepoIsToldToUpdateCacheAndKeepABoundedNumberOfOldGenerations()
    {
        var withoutSqlite = RepoRegenerator.CreaterepoArguments(new RepogenOptions { Workers = 3, RetainOldMd = 3 }, "/c", "/r/t");
        var withSqlite = RepoRegenerator.CreaterepoArguments(new RepogenOptions { Workers = 1, Sqlite = true, RetainOldMd = 0 }, "/c", "/r/t");

        Assert.Equal(["--update", "--workers", "3", "--cachedir", "/c", "--no-database", "--retain-old-md", "3", "--compatibility", "/r/t"], withoutSqlite);
        Assert.Equal(["--update", "--workers", "1", "--cachedir", "/c", "--database", "--retain-old-md", "0", "--compatibility", "/r/t"], withSqlite);
    }

    /// <summary>
    /// Starts <c>flock</c>, a separate process, holding <paramref name="lockPath"/>, and returns once
    /// it does: our own attempt to take the lock fails.
    /// </summary>
    private static async Task<Process> HoldLockInAnotherProcessAsync(string lockPath)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(lockPath)!);
        var holder = Process.Start(new ProcessStartInfo("flock", ["--close", lockPath, "sleep", "600"]))!;
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            using (var probe = TryLock(lockPath))
            {
                if (probe is null)
                {
                    return holder;
                }
            }
            Assert.False(holder.HasExited, "flock exited before taking the lock");
            Assert.True(DateTime.UtcNow < deadline, "flock did not take the lock in time");
            await Task.Delay(10);
        }
    }

    private static FileStream? TryLock(string path)
    {
        try
        {
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>
    /// A wrapper around the real createrepo_c that records each run and notes any run that starts
    /// while another is still going (mkdir is atomic, so two overlapping runs cannot both create the mark).
    /// </summary>
    private (string Script, string Log) WriteOverlapProbe()
    {
        var script = Path.Combine(layout.Root, "createrepo-probe.sh");
        var log = Path.Combine(layout.Root, "createrepo-probe.log");
        var mark = Path.Combine(layout.Root, "createrepo-running");
        File.WriteAllText(script, $"""
            #!/bin/sh
            if ! mkdir '{mark}' 2>/dev/null; then echo overlap >> '{log}'; exit 97; fi
            echo start >> '{log}'
            createrepo_c "$@"
            rc=$?
            rmdir '{mark}'
            exit $rc
            """ + "\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.WriteAllText(log, "");
        return (script, log);
    }

    public void Dispose() => layout.Dispose();
}
