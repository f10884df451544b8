using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Reimzul.Build;
using Reimzul.Processes;
using Reimzul.Tests.Support;

namespace Reimzul.Tests.Build;

/// <summary>The rpmbuild backend as a default worker runs it: in the build sandbox.</summary>
public sealed class RpmbuildBackendTests : IDisposable
{
    private readonly TempDir _temp = new("reimzul-rpmbuild");
    private RpmbuildBackend? _sandboxed;

    private RpmbuildBackend Backend => _sandboxed ??= new("rpmbuild", TestSandbox.Default, ProcessRunner.Default, NullLogger.Instance);

    public void Dispose() => _temp.Dispose();

    [SandboxFact]
    public async Task NoarchBuildLeavesOneNoarchRpmAndAllFourLogs()
    {
        var srpm = await SrpmFactory.BuildAsync(SrpmFactory.NoarchSpec("hello-noarch"), _temp.Combine("srpms"));

        var outcome = await Backend.BuildAsync(Request(srpm, "noarch"), CancellationToken.None);

        Assert.True(outcome.Succeeded, outcome.Reason);
        Assert.Equal(0, outcome.ExitCode);
        Assert.Null(outcome.Reason);
        Assert.Equal(["hello-noarch-1.0-1.el7.noarch.rpm"], RpmsIn(ResultDir));
        Assert.Equal(["build.log", "root.log", "stderr", "stdout"], LogsIn(ResultDir));
        var buildLog = await File.ReadAllTextAsync(Path.Combine(ResultDir, "build.log"));
        Assert.Contains("Wrote: ", buildLog, StringComparison.Ordinal);  // rpmbuild's stdout
        Assert.Contains("+ mkdir -p", buildLog, StringComparison.Ordinal); // its stderr (shell trace)
        var rootLog = await File.ReadAllTextAsync(Path.Combine(ResultDir, "root.log"));
        Assert.Contains($"command: {TestSandbox.Default.BwrapPath} --ro-bind / /", rootLog, StringComparison.Ordinal);
        Assert.Contains(" -- rpmbuild --rebuild", rootLog, StringComparison.Ordinal);
        Assert.Contains($"sandbox: bubblewrap ({TestSandbox.Default.BwrapPath}), building as ", rootLog, StringComparison.Ordinal);
        Assert.Contains("rpmbuild: RPM version", rootLog, StringComparison.Ordinal);
        Assert.Contains("host: " + Environment.MachineName, rootLog, StringComparison.Ordinal);
    }

    [SandboxFact]
    public async Task TheBuildDirIsRemovedAndNothingButResultsIsLeftNextToTheResultDir()
    {
        var srpm = await SrpmFactory.BuildAsync(SrpmFactory.NoarchSpec("hello-clean"), _temp.Combine("srpms"));

        var outcome = await Backend.BuildAsync(Request(srpm, "noarch"), CancellationToken.None);

        Assert.True(outcome.Succeeded, outcome.Reason);
        Assert.Equal(["results"], Directory.GetFileSystemEntries(Path.GetDirectoryName(ResultDir)!).Select(Path.GetFileName));
    }

    [SandboxFact]
    public async Task CProgramWithSubpackageBuildsTwoX8664Rpms()
    {
        var srpm = await SrpmFactory.BuildAsync(SrpmFactory.CProgramSpec("hello-c"), _temp.Combine("srpms"));

        var outcome = await Backend.BuildAsync(Request(srpm, "x86_64"), CancellationToken.None);

        Assert.True(outcome.Succeeded, outcome.Reason);
        Assert.Equal(["hello-c-2.0-1.el7.x86_64.rpm", "hello-c-libs-2.0-1.el7.x86_64.rpm"], RpmsIn(ResultDir));
    }

    // The host has no 32-bit toolchain: the packages are i686 but the binary in them is x86-64 (rpmbuild
    // warns "Binaries arch (2) not matching the package arch (1)"), and a spec compiling with %{optflags}
    // (-march=i686 on Debian, no -m32) would not build at all. Real multilib builds need mock.
    [SandboxFact]
    public async Task ChainedI386BuildOfACProgramProducesI686Rpms()
    {
        var srpm = await SrpmFactory.BuildAsync(SrpmFactory.CProgramSpec("hello-multilib"), _temp.Combine("srpms"));

        var outcome = await Backend.BuildAsync(Request(srpm, "i386"), CancellationToken.None);

        Assert.True(outcome.Succeeded, outcome.Reason);
        Assert.Equal(["hello-multilib-2.0-1.el7.i686.rpm", "hello-multilib-libs-2.0-1.el7.i686.rpm"], RpmsIn(ResultDir));
        Assert.Equal("i686", await QueryAsync(Path.Combine(ResultDir, "hello-multilib-2.0-1.el7.i686.rpm"), "%{arch}"));
    }

    [SandboxFact]
    public async Task NoarchSpecBuiltForI386StaysNoarch()
    {
        var srpm = await SrpmFactory.BuildAsync(SrpmFactory.NoarchSpec("hello-noarch-chained"), _temp.Combine("srpms"));

        var outcome = await Backend.BuildAsync(Request(srpm, "i386"), CancellationToken.None);

        Assert.True(outcome.Succeeded, outcome.Reason);
        Assert.Equal(["hello-noarch-chained-1.0-1.el7.noarch.rpm"], RpmsIn(ResultDir));
    }

    [SandboxFact]
    public async Task KernelNoarchBuildProducesItsNoarchPackage()
    {
        var srpm = await SrpmFactory.BuildAsync(SrpmFactory.KernelLikeSpec(), _temp.Combine("srpms"));

        var outcome = await Backend.BuildAsync(Request(srpm, "noarch"), CancellationToken.None);

        Assert.True(outcome.Succeeded, outcome.Reason);
        Assert.Equal(["kernel-doc-3.10.0-1.el7.noarch.rpm"], RpmsIn(ResultDir));
    }

    [SandboxFact]
    public async Task DisttagEndsUpInTheRelease()
    {
        var srpm = await SrpmFactory.BuildAsync(SrpmFactory.NoarchSpec("hello-dist", release: "3%{?dist}"), _temp.Combine("srpms"));

        var outcome = await Backend.BuildAsync(Request(srpm, "noarch", disttag: ".el7_4"), CancellationToken.None);

        Assert.True(outcome.Succeeded, outcome.Reason);
        Assert.Equal("3.el7_4", await QueryAsync(Path.Combine(ResultDir, "hello-dist-1.0-3.el7_4.noarch.rpm"), "%{release}"));
    }

    [SandboxFact]
    public async Task EmptyDisttagLeavesTheReleaseBare()
    {
        var srpm = await SrpmFactory.BuildAsync(SrpmFactory.NoarchSpec("hello-nodist", release: "3%{?dist}"), _temp.Combine("srpms"));

        var outcome = await Backend.BuildAsync(Request(srpm, "noarch", disttag: ""), CancellationToken.None);

        Assert.True(outcome.Succeeded, outcome.Reason);
        Assert.Equal(["hello-nodist-1.0-3.noarch.rpm"], RpmsIn(ResultDir));
    }

    [SandboxFact]
    public async Task DisttagWithShellCharactersIsPassedLiterallyAndRunsNothing()
    {
        var pwned = _temp.Combine("pwned");
        var srpm = await SrpmFactory.BuildAsync(SrpmFactory.NoarchSpec("hello-shell"), _temp.Combine("srpms"));

        var outcome = await Backend.BuildAsync(Request(srpm, "noarch", disttag: $".el7;touch {pwned}"), CancellationToken.None);

        // rpm itself refuses the release, quoting the disttag as it received it.
        Assert.False(outcome.Succeeded);
        Assert.Contains($"Release: 1.el7;touch {pwned}", outcome.Reason, StringComparison.Ordinal);
        Assert.False(File.Exists(pwned));
    }

    [SandboxFact]
    public async Task DisttagWithAnRpmMacroIsRefusedBeforeRpmCouldExpandIt()
    {
        var pwned = _temp.Combine("pwned");
        var srpm = await SrpmFactory.BuildAsync(SrpmFactory.NoarchSpec("hello-macro"), _temp.Combine("srpms"));

        var outcome = await Backend.BuildAsync(Request(srpm, "noarch", disttag: $"%(touch {pwned})"), CancellationToken.None);

        Assert.False(outcome.Succeeded);
        Assert.Contains("disttag", outcome.Reason, StringComparison.Ordinal);
        Assert.Contains("'%'", outcome.Reason, StringComparison.Ordinal);
        Assert.False(File.Exists(pwned));
        Assert.Equal(["build.log", "root.log", "stderr", "stdout"], LogsIn(ResultDir));
    }

    [SandboxFact]
    public async Task FailingSpecIsReportedWithItsExitCodeAndErrorInBuildLog()
    {
        var srpm = await SrpmFactory.BuildAsync(SrpmFactory.FailingSpec("hello-fail"), _temp.Combine("srpms"));

        var outcome = await Backend.BuildAsync(Request(srpm, "noarch"), CancellationToken.None);

        Assert.False(outcome.Succeeded);
        Assert.Equal(1, outcome.ExitCode);
        Assert.StartsWith("rpmbuild exited with code 1: ", outcome.Reason, StringComparison.Ordinal);
        Assert.Contains("(%build)", outcome.Reason, StringComparison.Ordinal);
        Assert.Contains("this build fails on purpose", await File.ReadAllTextAsync(Path.Combine(ResultDir, "build.log")), StringComparison.Ordinal);
        Assert.Contains("this build fails on purpose", await File.ReadAllTextAsync(Path.Combine(ResultDir, "root.log")), StringComparison.Ordinal);
        Assert.Empty(RpmsIn(ResultDir));
    }

    [SandboxFact]
    public async Task SuccessWithoutAnyRpmIsAFailure()
    {
        var srpm = await SrpmFactory.BuildAsync(SrpmFactory.EmptySpec("hello-empty"), _temp.Combine("srpms"));

        var outcome = await Backend.BuildAsync(Request(srpm, "noarch"), CancellationToken.None);

        Assert.False(outcome.Succeeded);
        Assert.Equal("rpmbuild exited with code 0 but produced no binary RPM", outcome.Reason);
    }

    [SandboxFact]
    public async Task BuildRunningPastItsTimeoutIsKilledWithEveryChild()
    {
        var srpm = await SrpmFactory.BuildAsync(SrpmFactory.SleepingSpec("hello-slow", 60), _temp.Combine("srpms"));
        var stopwatch = Stopwatch.StartNew();

        var build = Backend.BuildAsync(Request(srpm, "noarch", timeout: TimeSpan.FromSeconds(5)), CancellationToken.None);
        var tree = await WaitForSleepAsync();
        var outcome = await build;

        Assert.False(outcome.Succeeded);
        Assert.Equal(-1, outcome.ExitCode);
        Assert.Equal("build timed out after 5 s and was killed", outcome.Reason);
        Assert.InRange(stopwatch.Elapsed, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(13));
        Assert.Empty(await LeftoverProcesses.WaitUntilGoneAsync(tree, TimeSpan.FromSeconds(5)));
        Assert.Empty(await LeftoverProcesses.WaitUntilNoneAsync(_temp.Path, TimeSpan.FromSeconds(5)));
        Assert.Equal(["results"], Directory.GetFileSystemEntries(Path.GetDirectoryName(ResultDir)!).Select(Path.GetFileName));
        Assert.Equal(["build.log", "root.log", "stderr", "stdout"], LogsIn(ResultDir));
    }

    [SandboxFact]
    public async Task CancellationKillsTheBuildRemovesTheBuildDirAndThrows()
    {
        var srpm = await SrpmFactory.BuildAsync(SrpmFactory.SleepingSpec("hello-cancel", 60), _temp.Combine("srpms"));
        using var cts = new CancellationTokenSource();

        var build = Backend.BuildAsync(Request(srpm, "noarch"), cts.Token);
        var tree = await WaitForSleepAsync();
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => build);
        Assert.Empty(await LeftoverProcesses.WaitUntilGoneAsync(tree, TimeSpan.FromSeconds(5)));
        Assert.Empty(await LeftoverProcesses.WaitUntilNoneAsync(_temp.Path, TimeSpan.FromSeconds(5)));
        Assert.Equal(["results"], Directory.GetFileSystemEntries(Path.GetDirectoryName(ResultDir)!).Select(Path.GetFileName));
    }

    [Fact]
    public async Task MissingRpmbuildIsAFailureSayingItCannotBeRun()
    {
        var backend = new RpmbuildBackend(_temp.Combine("no-such-rpmbuild"), ProcessRunner.Default, NullLogger.Instance);

        var outcome = await backend.BuildAsync(Request(_temp.Combine("x.src.rpm"), "noarch"), CancellationToken.None);

        Assert.False(outcome.Succeeded);
        Assert.StartsWith($"cannot run '{_temp.Combine("no-such-rpmbuild")}': ", outcome.Reason, StringComparison.Ordinal);
        Assert.Equal(["build.log", "root.log", "stderr", "stdout"], LogsIn(ResultDir));
    }

    [Theory]
    [InlineData("i386", "i686")]
    [InlineData("armhfp", "armv7hl")]
    [InlineData("x86_64", "x86_64")]
    [InlineData("noarch", "noarch")]
    [InlineData("ppc64le", "ppc64le")]
    public void RequestedArchMapsToTheRpmTarget(string arch, string target) => Assert.Equal(target, RpmbuildBackend.RpmTarget(arch));

    private string ResultDir => _temp.Combine("work", "results");

    private BuildRequest Request(string srpm, string arch, string disttag = ".el7", TimeSpan? timeout = null) =>
        new(srpm, "pkg", "1.0-1", arch, "c7.1708.u.x86_64", disttag, "20240101120000", ResultDir, timeout ?? TimeSpan.FromMinutes(2));

    private static string[] RpmsIn(string dir) =>
        [.. Directory.GetFiles(dir, "*.rpm").Select(f => Path.GetFileName(f)!).Order(StringComparer.Ordinal)];

    private static string[] LogsIn(string dir) =>
        [.. Directory.GetFiles(dir).Select(f => Path.GetFileName(f)!).Where(f => !f.EndsWith(".rpm", StringComparison.Ordinal)).Order(StringComparer.Ordinal)];

    private static async Task<string> QueryAsync(string rpm, string format)
    {
        var result = await ProcessRunner.Default.RunAsync(new ProcessSpec("rpm", ["-qp", "--qf", format, rpm]));
        Assert.True(result.Succeeded, result.StandardError);
        return result.StandardOutput;
    }

    /// The build's processes, once its %build sleeps: the sandbox, rpmbuild, its shell and the sleep.
    private async Task<IReadOnlyList<int>> WaitForSleepAsync()
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            var tree = LeftoverProcesses.TreeOf(_temp.Path);
            if (tree.Values.Any(command => command == "sleep 60"))
            {
                return [.. tree.Keys];
            }
            Assert.True(DateTime.UtcNow < until, "timed out waiting for the build to start");
            await Task.Delay(50);
        }
    }
}
