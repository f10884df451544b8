using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Reimzul.Build;
using Reimzul.Processes;
using Reimzul.Tests.Support;

namespace Reimzul.Tests.Build;

public sealed class MockBackendTests : IDisposable
{
    private readonly TempDir _temp = new("reimzul-mockbackend");
    private readonly MockStandIn _mock;
    private readonly MockPlanner _planner;
    private readonly MockBackend _backend;

    public MockBackendTests()
    {
        _mock = new MockStandIn(_temp.Combine("bin"));
        Directory.CreateDirectory(ConfigsDir);
        File.WriteAllText(Path.Combine(ConfigsDir, "c7.1708.u.x86_64.cfg"), "config_opts['root'] = 'TARGETNAME'\nbaseurl=http://repohost/c7.1708.u.x86_64/\n");
        File.WriteAllText(Path.Combine(ConfigsDir, "site-defaults.cfg"), "# site defaults\n");
        File.WriteAllText(Path.Combine(ConfigsDir, "logging.ini"), "[loggers]\n");
        _planner = new MockPlanner(_mock.Path, ConfigsDir, "http://bstore.example/repo");
        _backend = new MockBackend(_planner, ProcessRunner.Default, NullLogger.Instance);
    }

    public void Dispose() => _temp.Dispose();

    private string ConfigsDir => _temp.Combine("mock_configs");
    private string ResultDir => _temp.Combine("results", "hello", "1.0-1.el7.x86_64");

    [Fact]
    public async Task MockIsRunWithThePlannedArgumentsAndItsConfigDirReady()
    {
        var (srpm, rpm) = await RealPackagesAsync();
        _mock.Produces(rpm);
        var request = Request() with { SrpmPath = srpm };

        var outcome = await _backend.BuildAsync(request, CancellationToken.None);

        Assert.True(outcome.Succeeded, outcome.Reason);
        Assert.True(_planner.TryPlan(request, out var plan, out _));
        Assert.Equal(plan.Arguments, _mock.RecordedArguments());
        Assert.Equal(["logging.ini", "mock.cfg", "site-defaults.cfg", "stderr", "stdout"], _mock.ConfigDirListing());
        Assert.Equal(plan.ConfigText, await File.ReadAllTextAsync(Path.Combine(ResultDir, "mock.cfg")));
        Assert.Contains("config_opts['root'] = 'c7.1708.u.x86_64-20240101120000'", plan.ConfigText, StringComparison.Ordinal);
        Assert.Contains("INFO: stand-in mock building in", await File.ReadAllTextAsync(Path.Combine(ResultDir, "stdout")), StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(ResultDir, Path.GetFileName(rpm))));
    }

    [Fact]
    public async Task AFileMockLeftNamedLikeAnRpmThatIsNoneFailsTheBuildWithTheReason()
    {
        var (srpm, _) = await RealPackagesAsync();
        _mock.Produces(FakeRpm("kernel-9.9-9.el7.x86_64.rpm"));

        var outcome = await _backend.BuildAsync(Request() with { SrpmPath = srpm }, CancellationToken.None);

        Assert.False(outcome.Succeeded);
        Assert.Contains("kernel-9.9-9.el7.x86_64.rpm is not a result of this build: its header does not parse", outcome.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExitCode10IsAnRpmbuildFailurePointingAtBuildLog()
    {
        _mock.ExitsWith(10);

        var outcome = await _backend.BuildAsync(Request(), CancellationToken.None);

        Assert.False(outcome.Succeeded);
        Assert.Equal(10, outcome.ExitCode);
        Assert.Equal("mock exited with code 10: rpmbuild failed (see build.log)", outcome.Reason);
    }

    [Theory]
    [InlineData(20, "mock exited with code 20: chroot problem (see root.log)")]
    [InlineData(30, "mock exited with code 30: package manager error (see root.log)")]
    [InlineData(60, "mock exited with code 60: buildroot locked by another build")]
    [InlineData(7, "mock exited with code 7: ERROR: stand-in mock stderr line")]
    public async Task ExitCodesAreExplained(int exitCode, string reason)
    {
        _mock.ExitsWith(exitCode);

        var outcome = await _backend.BuildAsync(Request(), CancellationToken.None);

        Assert.Equal(reason, outcome.Reason);
    }

    [Fact]
    public async Task BuildLogAndRootLogAreCopiesOfStderrWhenMockWroteNone()
    {
        _mock.ExitsWith(10);

        await _backend.BuildAsync(Request(), CancellationToken.None);

        var stderr = await File.ReadAllTextAsync(Path.Combine(ResultDir, "stderr"));
        Assert.Contains("ERROR: stand-in mock stderr line", stderr, StringComparison.Ordinal);
        Assert.Equal(stderr, await File.ReadAllTextAsync(Path.Combine(ResultDir, "build.log")));
        Assert.Equal(stderr, await File.ReadAllTextAsync(Path.Combine(ResultDir, "root.log")));
    }

    [Fact]
    public async Task LogsMockWroteAreKept()
    {
        _mock.WritesItsOwnLogs();
        _mock.Produces(FakeRpm("hello-1.0-1.el7.x86_64.rpm"));

        await _backend.BuildAsync(Request(), CancellationToken.None);

        Assert.Equal("mock's own build log\n", await File.ReadAllTextAsync(Path.Combine(ResultDir, "build.log")));
        Assert.Equal("mock's own root log\n", await File.ReadAllTextAsync(Path.Combine(ResultDir, "root.log")));
    }

    [Fact]
    public async Task SuccessWithOnlyTheSourceRpmIsAFailure()
    {
        _mock.Produces(FakeRpm("hello-1.0-1.el7.src.rpm"));

        var outcome = await _backend.BuildAsync(Request(), CancellationToken.None);

        Assert.False(outcome.Succeeded);
        Assert.Equal("mock exited with code 0 but produced no binary RPM", outcome.Reason);
    }

    [Fact]
    public async Task MissingConfigFailsWithoutRunningMockAndLeavesTheLogs()
    {
        var outcome = await _backend.BuildAsync(Request() with { Target = "c8.u.x86_64" }, CancellationToken.None);

        Assert.False(outcome.Succeeded);
        Assert.Contains(Path.Combine(ConfigsDir, "c8.u.x86_64.cfg"), outcome.Reason, StringComparison.Ordinal);
        Assert.False(File.Exists(_temp.Combine("bin", "argv")));
        foreach (var log in new[] { "stdout", "stderr", "build.log", "root.log" })
        {
            Assert.True(File.Exists(Path.Combine(ResultDir, log)), log);
        }
        Assert.Contains("no mock config", await File.ReadAllTextAsync(Path.Combine(ResultDir, "build.log")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task BuildRunningPastItsTimeoutIsKilledWithEveryChild()
    {
        _mock.Sleeps(60);
        var stopwatch = Stopwatch.StartNew();

        var outcome = await _backend.BuildAsync(Request() with { Timeout = TimeSpan.FromSeconds(1) }, CancellationToken.None);

        Assert.False(outcome.Succeeded);
        Assert.Equal(-1, outcome.ExitCode);
        Assert.Equal("build timed out after 1 s and was killed", outcome.Reason);
        Assert.InRange(stopwatch.Elapsed, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10));
        Assert.Empty(await LeftoverProcesses.WaitUntilNoneAsync(_temp.Path, TimeSpan.FromSeconds(5)));
        Assert.True(File.Exists(Path.Combine(ResultDir, "build.log")));
    }

    [Fact]
    public async Task MissingMockProgramIsAFailureSayingItCannotBeRun()
    {
        var missing = _temp.Combine("bin", "no-such-mock");
        var backend = new MockBackend(new MockPlanner(missing, ConfigsDir, "http://bstore.example/repo"), ProcessRunner.Default, NullLogger.Instance);

        var outcome = await backend.BuildAsync(Request(), CancellationToken.None);

        Assert.False(outcome.Succeeded);
        Assert.StartsWith($"cannot run '{missing}': ", outcome.Reason, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(ResultDir, "root.log")));
    }

    private BuildRequest Request() =>
        new(_temp.Combine("incoming", "hello-1.0-1.src.rpm"), "hello", "1.0-1.el7", "x86_64", "c7.1708.u.x86_64", ".el7", "20240101120000", ResultDir, TimeSpan.FromMinutes(1));

    /// <summary>A real SRPM of hello and the noarch RPM rpmbuild makes of it, as mock would have.</summary>
    private async Task<(string Srpm, string Rpm)> RealPackagesAsync()
    {
        var srpm = await SrpmFactory.BuildAsync(SrpmFactory.NoarchSpec("hello"), _temp.Combine("incoming"));
        var built = _temp.Combine("made", "rpmbuild");
        var outcome = await new RpmbuildBackend("rpmbuild", ProcessRunner.Default, NullLogger.Instance)
            .BuildAsync(Request() with { SrpmPath = srpm, Arch = "noarch", ResultDir = built }, CancellationToken.None);
        Assert.True(outcome.Succeeded, outcome.Reason);
        return (srpm, Directory.GetFiles(built, "*.rpm").Single());
    }

    private string FakeRpm(string name)
    {
        var path = _temp.Combine("made", name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "not really an rpm: the stand-in only has to leave a file of that name");
        return path;
    }
}
