using System.Runtime.Versioning;
using Microsoft.Extensions.Logging.Abstractions;
using Reimzul.Build;
using Reimzul.Processes;
using Reimzul.Tests.Support;

namespace Reimzul.Tests.Build;

/// <summary>
/// Builds in sandboxes made before their job (<see cref="PrestartedSandboxes"/>), with the reimzul built next to the
/// tests as the placeholder waiting in them: the build must run as it would in a sandbox made for it, and a sandbox
/// that cannot be used must cost the build nothing but the time to make its own.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class PrestartedSandboxTests : IDisposable
{
    private readonly TempDir _temp = new("reimzul-prestart");
    private readonly PrestartedSandboxes _pool;
    private readonly RpmbuildBackend _backend;

    public PrestartedSandboxTests()
    {
        if (TestSandbox.WhyUnavailable is not null)
        {
            // Each fact is reported skipped; nothing to set up.
            _pool = null!;
            _backend = null!;
            return;
        }
        _pool = new PrestartedSandboxes(TestSandbox.Default, Stub, PoolDir, ProcessRunner.Default, NullLogger.Instance);
        _backend = new RpmbuildBackend("rpmbuild", TestSandbox.Default, ProcessRunner.Default, NullLogger.Instance, _pool);
    }

    public void Dispose()
    {
        _backend?.Dispose();
        _temp.Dispose();
    }

    /// <summary>The framework-dependent reimzul of this build, as <c>dotnet reimzul.dll</c>.</summary>
    internal static SandboxStub Stub => SandboxStub.FrameworkDependent(
        BuildBackendFactory.FindExecutable("dotnet") ?? throw new InvalidOperationException("no dotnet on PATH"), AppContext.BaseDirectory);

    private string PoolDir => _temp.Combine("results", ".sandboxes");

    private string ResultDir(string name) => _temp.Combine("results", "t.x86_64", name, "20240101120000", "1.0-1.noarch");

    [SandboxFact]
    public async Task ABuildRunsInASandboxMadeBeforeItAndTheNextBuildGetsAnother()
    {
        var first = await BuildAsync(SrpmFactory.NoarchSpec("early"));
        var second = await BuildAsync(SrpmFactory.NoarchSpec("later"));

        foreach (var (name, outcome) in new[] { ("early", first), ("later", second) })
        {
            Assert.True(outcome.Succeeded, outcome.Reason);
            Assert.Equal([$"{name}-1.0-1.el7.noarch.rpm"], Directory.GetFiles(ResultDir(name), "*.rpm").Select(Path.GetFileName));
            var rootLog = await File.ReadAllTextAsync(Path.Combine(ResultDir(name), "root.log"));
            Assert.Contains($"{SandboxStub.Argument}, which then ran: rpmbuild --rebuild", rootLog, StringComparison.Ordinal);
            Assert.Contains($"Installing /tmp/srpm/{name}-1.0-1.src.rpm", await File.ReadAllTextAsync(Path.Combine(ResultDir(name), "build.log")), StringComparison.Ordinal);
        }
        // Each build's tree went with it; what is left is the sandbox waiting for the next build.
        await Eventually.WaitAsync(() => WaitingSandboxDirs().Count == 1, TimeSpan.FromSeconds(30), () => $"waiting sandboxes: {string.Join(", ", WaitingSandboxDirs())}");
    }

    [SandboxFact]
    public async Task TheBuildGetsDevNullAsItsInputAndTheSignalsAFreshProgramHas()
    {
        var outcome = await BuildAsync(SrpmFactory.NoarchSpecInstalling("piped", """
            echo "stdin: $(readlink /proc/self/fd/0)"
            yes | head -n 1
            echo "ignored: $(grep SigIgn /proc/self/status)"
            """));

        Assert.True(outcome.Succeeded, outcome.Reason);
        var log = await File.ReadAllTextAsync(Path.Combine(ResultDir("piped"), "build.log"));
        Assert.Contains("stdin: /dev/null\n", log, StringComparison.Ordinal);
        // An ignored SIGPIPE would outlive the exec: `yes` would then fail on the closed pipe instead of ending quietly.
        Assert.DoesNotContain("Broken pipe", log, StringComparison.Ordinal);
        Assert.Contains("ignored: SigIgn:\t0000000000000000\n", log, StringComparison.Ordinal);
    }

    [SandboxFact]
    public async Task APrestartedSandboxIsAsStrictAsOneMadeForTheBuild()
    {
        // A host dir anybody may write, outside /tmp (the sandbox's /tmp is its own): only the sandbox keeps the build out.
        var underPrivateTmp = AppContext.BaseDirectory.StartsWith("/tmp/", StringComparison.Ordinal) || AppContext.BaseDirectory.StartsWith("/var/tmp/", StringComparison.Ordinal);
        var hostDir = Path.Combine(underPrivateTmp ? "/var/cache" : AppContext.BaseDirectory, $"reimzul-prestart-escape-{Guid.NewGuid():N}");
        Directory.CreateDirectory(hostDir);
        File.SetUnixFileMode(hostDir, (UnixFileMode)0b111_111_111);
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        try
        {
            var outcome = await BuildAsync(SrpmFactory.NoarchSpecInstalling("strict", $"""
                echo "build uid: $(id -u)"
                if touch {hostDir}/escaped; then echo "ESCAPE write: ok"; else echo "ESCAPE write: refused"; fi
                if touch /tmp/srpm/strict-1.0-1.src.rpm; then echo "SRPM write: ok"; else echo "SRPM write: refused"; fi
                if bash -c 'exec 3<>/dev/tcp/127.0.0.1/{port}'; then echo "ESCAPE connect: ok"; else echo "ESCAPE connect: refused"; fi
                """));

            Assert.True(outcome.Succeeded, outcome.Reason);
            var log = await File.ReadAllTextAsync(Path.Combine(ResultDir("strict"), "build.log"));
            var buildUid = Environment.IsPrivilegedProcess ? "nobody" : Environment.UserName;
            Assert.Contains($"build uid: {(await ProcessRunner.Default.RunAsync(new ProcessSpec("id", ["-u", buildUid]))).StandardOutput.Trim()}\n", log, StringComparison.Ordinal);
            Assert.Contains("ESCAPE write: refused\n", log, StringComparison.Ordinal);
            Assert.Contains("SRPM write: refused\n", log, StringComparison.Ordinal);
            Assert.Contains("ESCAPE connect: refused\n", log, StringComparison.Ordinal);
            Assert.Empty(Directory.GetFileSystemEntries(hostDir));
            Assert.False(listener.Pending());
        }
        finally
        {
            Directory.Delete(hostDir, recursive: true);
        }
    }

    [SandboxFact]
    public async Task ASandboxThatDiedWhileWaitingIsSetAsideAndTheBuildMakesItsOwn()
    {
        await KillTheWaitingSandboxAsync();

        var outcome = await BuildAsync(SrpmFactory.NoarchSpec("fallback"));

        Assert.True(outcome.Succeeded, outcome.Reason);
        var rootLog = await File.ReadAllTextAsync(Path.Combine(ResultDir("fallback"), "root.log"));
        Assert.DoesNotContain(SandboxStub.Argument, rootLog, StringComparison.Ordinal);
        Assert.Contains("-- rpmbuild --rebuild", rootLog, StringComparison.Ordinal);
        Assert.False(_pool.Stopped);
    }

    [SandboxFact]
    public async Task OnlySandboxesDyingThreeTimesInARowStopThePrestartingAndBuildsGoOnEitherWay()
    {
        // One death, then a build in a live sandbox: the count starts over.
        await KillTheWaitingSandboxAsync();
        Assert.True((await BuildAsync(SrpmFactory.NoarchSpec("once"))).Succeeded);
        Assert.True((await BuildAsync(SrpmFactory.NoarchSpec("live"))).Succeeded);
        Assert.Contains(SandboxStub.Argument, await File.ReadAllTextAsync(Path.Combine(ResultDir("live"), "root.log")), StringComparison.Ordinal);
        Assert.False(_pool.Stopped);

        foreach (var name in new[] { "first", "second", "third" })
        {
            await KillTheWaitingSandboxAsync();
            var outcome = await BuildAsync(SrpmFactory.NoarchSpec(name));
            Assert.True(outcome.Succeeded, outcome.Reason);
        }

        Assert.True(_pool.Stopped);
        var after = await BuildAsync(SrpmFactory.NoarchSpec("after"));
        Assert.True(after.Succeeded, after.Reason);
        Assert.DoesNotContain(SandboxStub.Argument, await File.ReadAllTextAsync(Path.Combine(ResultDir("after"), "root.log")), StringComparison.Ordinal);
        Assert.Empty(await LeftoverProcesses.WaitUntilNoneAsync(PoolDir, TimeSpan.FromSeconds(10)));
    }

    private async Task KillTheWaitingSandboxAsync()
    {
        await Eventually.WaitAsync(() => WaitingSandboxDirs().Count == 1, TimeSpan.FromSeconds(30), () => "no sandbox was prestarted");
        foreach (var pid in LeftoverProcesses.TreeOf(WaitingSandboxDirs()[0]).Keys)
        {
            System.Diagnostics.Process.GetProcessById(pid).Kill();
        }
        await Eventually.WaitAsync(() => LeftoverProcesses.TreeOf(PoolDir).Count == 0, TimeSpan.FromSeconds(30), () => "the prestarted sandbox did not die");
    }

    [SandboxFact]
    public async Task ABuildThatRunsOutOfTimeIsKilledWithItsSandbox()
    {
        var srpm = await SrpmFactory.BuildAsync(SrpmFactory.NoarchSpecInstalling("sleeper", "sleep 300"), _temp.Combine("srpms"));
        await Eventually.WaitAsync(() => WaitingSandboxDirs().Count == 1, TimeSpan.FromSeconds(30), () => "no sandbox was prestarted");
        var sandboxDir = WaitingSandboxDirs()[0];

        var outcome = await _backend.BuildAsync(Request(srpm, "sleeper") with { Timeout = TimeSpan.FromSeconds(3) }, CancellationToken.None);

        Assert.False(outcome.Succeeded);
        Assert.Contains("timed out", outcome.Reason, StringComparison.OrdinalIgnoreCase);
        Assert.Empty(await LeftoverProcesses.WaitUntilNoneAsync(sandboxDir, TimeSpan.FromSeconds(10)));
        Assert.False(Directory.Exists(sandboxDir));
    }

    [SandboxFact]
    public async Task DisposingKillsTheWaitingSandboxesAndRemovesTheirDirs()
    {
        await Eventually.WaitAsync(() => WaitingSandboxDirs().Count == 1, TimeSpan.FromSeconds(30), () => "no sandbox was prestarted");
        Assert.NotEmpty(LeftoverProcesses.TreeOf(PoolDir));

        _backend.Dispose();

        Assert.Empty(await LeftoverProcesses.WaitUntilNoneAsync(PoolDir, TimeSpan.FromSeconds(10)));
        Assert.Empty(Directory.GetDirectories(PoolDir));
    }

    // The dirs of sandboxes that wait for a build: one per sandbox, under this process's dir.
    private List<string> WaitingSandboxDirs() =>
        Directory.Exists(PoolDir)
            ? [.. Directory.GetDirectories(PoolDir).SelectMany(Directory.GetDirectories).Where(d => LeftoverProcesses.TreeOf(d).Count > 0)]
            : [];

    private async Task<BuildOutcome> BuildAsync(string spec)
    {
        var name = spec.Split('\n')[0].Split(' ', 2)[1].Trim();
        var srpm = await SrpmFactory.BuildAsync(spec, _temp.Combine("srpms"));
        return await _backend.BuildAsync(Request(srpm, name), CancellationToken.None);
    }

    private BuildRequest Request(string srpm, string name) =>
        new(srpm, name, "1.0-1", "noarch", "t.x86_64", ".el7", "20240101120000", ResultDir(name), TimeSpan.FromMinutes(2));
}
