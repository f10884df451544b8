using System.Text.Json;
using Reimzul.Queue.Embedded;
using Reimzul.Tests.Support;

namespace Reimzul.Tests.EndToEnd;

/// <summary>SRPMs in, yum repos out: <c>reimzul up</c> driven through <c>reimzul submit</c>, checked with dnf and the history.</summary>
public sealed class OneMachineFacts(UpFixture fixture) : IClassFixture<UpFixture>
{
    private Installation Install => fixture.Install;

    [Fact]
    public async Task ANoarchPackageEndsUpInTheRepoTheHistoryTheLogAndTosign()
    {
        var srpm = await Install.MakeSrpmAsync(SrpmFactory.NoarchSpec("hello-noarch"));
        var submitted = await Install.SubmitAsync(srpm, "c7.noarch-test");
        Assert.Contains("Submitted SRPM hello-noarch-1.0-1.src.rpm to build queue x86_64 for target c7.noarch-test.x86_64", submitted.StandardOutput, StringComparison.Ordinal);

        var lines = await Install.WaitForResultsAsync("hello-noarch-1.0-1.src.rpm", "x86_64");
        Assert.Equal(["Building", "Success"], lines.Select(l => l.Status));
        // evr is the SRPM's version-release, as the original reported it.
        Assert.All(lines, l => Assert.Equal("1.0-1", l.Evr));
        Assert.Single(lines.Select(l => l.Timestamp).Distinct());

        var repo = await Install.WaitForRepoAsync("c7.noarch-test.x86_64", "hello-noarch-1.0-1.el7.noarch");
        Assert.Equal(["hello-noarch-1.0-1.el7.noarch"], repo);

        // A noarch package gets no chained i386 build: its RPM would be the same file twice.
        Assert.DoesNotContain(lines, l => l.Arch == "i386");

        var resultDir = Path.Combine(Install.Repo("c7.noarch-test.x86_64"), "hello-noarch", lines[0].Timestamp, "1.0-1.x86_64");
        Assert.True(File.Exists(Path.Combine(resultDir, "build.log")), "build.log missing");
        Assert.True(File.Exists(Path.Combine(resultDir, "root.log")), "root.log missing");
        Assert.True(File.Exists(Path.Combine(resultDir, "hello-noarch-1.0-1.el7.noarch.rpm")));

        await Eventually.WaitAsync(() => File.Exists(Path.Combine(Install.Tosign("c7.noarch-test.x86_64"), "hello-noarch-1.0-1.el7.noarch.rpm")),
            TimeSpan.FromSeconds(30), () => "the RPM was not staged in tosign/");

        var success = await QueryAsync("Success", "c7.noarch-test.x86_64");
        var record = Assert.Single(success.RootElement.EnumerateArray());
        Assert.Equal("hello-noarch-1.0-1.src.rpm", record.GetProperty("srpm").GetString());
        Assert.True(record.GetProperty("latest_build").GetBoolean());
        var done = await QueryAsync("Done", "c7.noarch-test.x86_64");
        Assert.Empty(done.RootElement.EnumerateArray());
    }

    [Fact]
    public async Task AnX86PackageIsFollowedByAnI386BuildWithTheSameTimestampIntoTheParentRepo()
    {
        var srpm = await Install.MakeSrpmAsync(SrpmFactory.CProgramSpec("hello-c"));
        await Install.SubmitAsync(srpm, "c7.chain-test");

        var lines = await Install.WaitForResultsAsync("hello-c-2.0-1.src.rpm", "x86_64", "i386");
        Assert.Equal(["Building:x86_64", "Success:x86_64", "Building:i386", "Success:i386"], lines.Select(l => $"{l.Status}:{l.Arch}"));
        Assert.Single(lines.Select(l => l.Timestamp).Distinct());

        var repo = await Install.WaitForRepoAsync("c7.chain-test.x86_64",
            "hello-c-2.0-1.el7.x86_64", "hello-c-libs-2.0-1.el7.x86_64", "hello-c-2.0-1.el7.i686", "hello-c-libs-2.0-1.el7.i686");
        Assert.Equal(4, repo.Count);
        Assert.False(Directory.Exists(Install.Repo("c7.chain-test.i386")), "the chained build must land in the parent target's repo");
    }

    [Fact]
    public async Task AFailingSpecIsReportedFailedWithItsBuildLogAndIsNotPublished()
    {
        var srpm = await Install.MakeSrpmAsync(SrpmFactory.FailingSpec("broken"));
        await Install.SubmitAsync(srpm, "c7.fail-test", "noarch");

        var lines = await Install.WaitForResultsAsync("broken-1.0-1.src.rpm", "noarch");
        Assert.Equal("Failed", lines[^1].Status);

        var buildLog = Path.Combine(Install.Repo("c7.fail-test.noarch"), "broken", lines[^1].Timestamp, "1.0-1.noarch", "build.log");
        Assert.Contains("this build fails on purpose", await File.ReadAllTextAsync(buildLog), StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(Install.Repo("c7.fail-test.noarch"), "repodata", "repomd.xml")), "a failed build must not ask for repodata");

        var failed = await QueryAsync("Failed", "c7.fail-test.noarch");
        var record = Assert.Single(failed.RootElement.EnumerateArray());
        Assert.Contains("exit", record.GetProperty("reason").GetString(), StringComparison.OrdinalIgnoreCase);
        Assert.False(Directory.Exists(Install.Tosign("c7.fail-test.noarch")));
    }

    [Fact]
    public async Task AKernelGetsAFurtherNoarchBuild()
    {
        // Like the real kernel spec, what it builds depends on the target arch, so the noarch pass makes sense.
        var srpm = await Install.MakeSrpmAsync("""
            Name: kernel
            Version: 3.10.0
            Release: 693%{?dist}
            Summary: Not really a kernel
            License: GPLv2

            %description
            Arch-dependent package named kernel.

            %package doc
            Summary: Kernel docs

            %description doc
            Docs.

            %install
            mkdir -p %{buildroot}/usr/share/kernel-test
            echo %{_target_cpu} > %{buildroot}/usr/share/kernel-test/cpu
            echo doc > %{buildroot}/usr/share/kernel-test/doc

            %files
            /usr/share/kernel-test/cpu

            %files doc
            /usr/share/kernel-test/doc
            """);
        await Install.SubmitAsync(srpm, "c7.kernel-test");

        var lines = await Install.WaitForResultsAsync("kernel-3.10.0-693.src.rpm", "x86_64", "i386", "noarch");
        Assert.Equal(["x86_64", "i386", "noarch"], lines.Where(l => l.Status == "Success").Select(l => l.Arch));
        Assert.Single(lines.Select(l => l.Timestamp).Distinct());
        var repo = await Install.WaitForRepoAsync("c7.kernel-test.x86_64", "kernel-3.10.0-693.el7.x86_64", "kernel-3.10.0-693.el7.i686", "kernel-3.10.0-693.el7.noarch");
        Assert.Contains("kernel-doc-3.10.0-693.el7.noarch", repo);
    }

    [Fact]
    public async Task AScratchBuildIsPublishedAndRecordedButNotStagedForSigning()
    {
        var srpm = await Install.MakeSrpmAsync(SrpmFactory.NoarchSpec("scratchy"));
        await Install.SubmitAsync(srpm, "c7.scratch-test", "x86_64", "--scratch");

        var lines = await Install.WaitForResultsAsync("scratchy-1.0-1.src.rpm", "x86_64");
        Assert.All(lines, l => Assert.True(l.Scratch));
        await Install.WaitForRepoAsync("c7.scratch-test.x86_64", "scratchy-1.0-1.el7.noarch");

        var success = await QueryAsync("Success", "c7.scratch-test.x86_64");
        Assert.True(Assert.Single(success.RootElement.EnumerateArray()).GetProperty("scratch").GetBoolean());

        // The signer has had every chance: the notifier handled the Success event before the log line was read.
        var probe = await Install.MakeSrpmAsync(SrpmFactory.NoarchSpec("after-scratch"));
        await Install.SubmitAsync(probe, "c7.scratch-test");
        await Install.WaitForResultsAsync("after-scratch-1.0-1.src.rpm", "x86_64");
        await Eventually.WaitAsync(() => File.Exists(Path.Combine(Install.Tosign("c7.scratch-test.x86_64"), "after-scratch-1.0-1.el7.noarch.rpm")),
            TimeSpan.FromSeconds(30), () => "non-scratch build not staged");
        Assert.False(File.Exists(Path.Combine(Install.Tosign("c7.scratch-test.x86_64"), "scratchy-1.0-1.el7.noarch.rpm")));
    }

    [Fact]
    public async Task ABuildThatHangsIsKilledAtTheTimeoutAndReportedFailed()
    {
        var srpm = await Install.MakeSrpmAsync(SrpmFactory.SleepingSpec("hangs", 3600));
        await Install.SubmitAsync(srpm, "c7.hang-test", "noarch");

        var lines = await Install.WaitForResultsAsync("hangs-1.0-1.src.rpm", "noarch");
        Assert.Equal("Failed", lines[^1].Status);
        var failed = await QueryAsync("Failed", "c7.hang-test.noarch");
        Assert.Contains("timed out", Assert.Single(failed.RootElement.EnumerateArray()).GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AJobWhoseBodyIsBrokenIsBuriedAndTheQueueKeepsMoving()
    {
        await PutRawAsync("noarch", "this is not json");
        await PutRawAsync("noarch", """{"srpm":"x-1-1.src.rpm","arch":"noarch"}""");
        await PutRawAsync("noarch", """{"srpm":"../../etc/passwd","arch":"noarch","target":"t.noarch","disttag":".el7"}""");

        var srpm = await Install.MakeSrpmAsync(SrpmFactory.NoarchSpec("after-broken"));
        await Install.SubmitAsync(srpm, "c7.broken-test", "noarch");
        await Install.WaitForResultsAsync("after-broken-1.0-1.src.rpm", "noarch");

        var stats = await Install.RunAsync("stats", "--json");
        Assert.True(stats.Succeeded, stats.StandardError);
        var noarch = JsonDocument.Parse(stats.StandardOutput).RootElement.EnumerateArray().Single(t => t.GetProperty("tube").GetString() == "noarch");
        Assert.True(noarch.GetProperty("buried").GetInt64() >= 3, stats.StandardOutput);
        Assert.Contains(fixture.Up.Lines, l => l.Contains("buried", StringComparison.Ordinal) && l.Contains("not a valid JSON", StringComparison.Ordinal));
        Assert.Contains(fixture.Up.Lines, l => l.Contains("buried", StringComparison.Ordinal) && l.Contains("target", StringComparison.Ordinal));
        Assert.False(fixture.Up.HasExited);
    }

    [Fact]
    public async Task AFileInIncomingThatIsNotAnRpmIsReportedFailedWithTheReason()
    {
        var incoming = Path.Combine(Install.DataDir, "incoming");
        await File.WriteAllTextAsync(Path.Combine(incoming, "fake-1.0-1.src.rpm"), "not an rpm at all");
        await PutRawAsync("noarch", """{"srpm":"fake-1.0-1.src.rpm","arch":"noarch","target":"c7.fake-test.noarch","disttag":".el7","scratch":false,"submitter":"someone"}""");

        var lines = await Install.WaitForResultsAsync("fake-1.0-1.src.rpm", "noarch");
        Assert.Equal("Failed", Assert.Single(lines).Status);
        var failed = await QueryAsync("Failed", "c7.fake-test.noarch");
        Assert.Contains("not an RPM", Assert.Single(failed.RootElement.EnumerateArray()).GetProperty("reason").GetString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task ABurstOfBuildsIsCoveredByAFewCreaterepoRunsAndNoBuildIsLeftOut()
    {
        const string Target = "c7.burst-test.noarch";
        static bool IsRun(string line) => line.Contains("running: createrepo_c", StringComparison.Ordinal) && line.Contains(Target, StringComparison.Ordinal);
        var incoming = Path.Combine(Install.DataDir, "incoming");
        var names = Enumerable.Range(1, 8).Select(i => $"burst{i}").ToList();
        foreach (var name in names)
        {
            File.Copy(await Install.MakeSrpmAsync(SrpmFactory.NoarchSpec(name)), Path.Combine(incoming, $"{name}-1.0-1.src.rpm"));
        }

        // All queued at once, as when a batch is submitted.
        foreach (var name in names)
        {
            await PutRawAsync("noarch", $$"""{"srpm":"{{name}}-1.0-1.src.rpm","arch":"noarch","target":"{{Target}}","disttag":".el7","scratch":false,"submitter":"tester"}""");
        }

        var listed = await Install.WaitForRepoAsync(Target, [.. names.Select(n => $"{n}-1.0-1.el7.noarch")]);
        Assert.Equal(8, listed.Count);
        var runs = fixture.Up.Lines.Count(IsRun);
        Assert.InRange(runs, 1, 4);
    }

    private async Task<JsonDocument> QueryAsync(string status, string target)
    {
        var result = await Install.RunAsync("query", "-s", status, "-t", target, "--json");
        Assert.True(result.Succeeded, result.StandardError);
        return JsonDocument.Parse(result.StandardOutput);
    }

    private async Task PutRawAsync(string tube, string body)
    {
        var queue = new Reimzul.Queue.Embedded.EmbeddedJobQueueFactory(Path.Combine(Install.DataDir, "queue.db"));
        await using var session = await queue.OpenProducerAsync();
        await session.PutAsync(tube, body, 8192, TimeSpan.Zero, TimeSpan.FromSeconds(60));
    }
}
