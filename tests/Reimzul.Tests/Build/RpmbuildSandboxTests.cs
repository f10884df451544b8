using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;
using Microsoft.Extensions.Logging.Abstractions;
using Reimzul.Build;
using Reimzul.Processes;
using Reimzul.Tests.Support;

namespace Reimzul.Tests.Build;

/// <summary>What a spec can reach from a sandboxed rpmbuild, against the same spec built without the sandbox.</summary>
[SupportedOSPlatform("linux")]
public sealed class RpmbuildSandboxTests : IDisposable
{
    private readonly TempDir _temp = new("reimzul-sandbox");
    private readonly string _marker = Guid.NewGuid().ToString("N");
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);

    // A host dir outside /tmp that anybody may write: only the sandbox can keep a build out of it.
    private readonly string _hostDir;

    public RpmbuildSandboxTests()
    {
        // The sandbox has /tmp and /var/tmp of its own: a checkout under /tmp would not be the host's there.
        var underPrivateTmp = AppContext.BaseDirectory.StartsWith("/tmp/", StringComparison.Ordinal)
            || AppContext.BaseDirectory.StartsWith("/var/tmp/", StringComparison.Ordinal);
        _hostDir = Path.Combine(underPrivateTmp ? "/var/cache" : AppContext.BaseDirectory, $"reimzul-sandbox-escape-{_marker}");
        Directory.CreateDirectory(_hostDir);
        File.SetUnixFileMode(_hostDir, (UnixFileMode)0b111_111_111);
        _listener.Start();
    }

    public void Dispose()
    {
        _listener.Dispose();
        foreach (var file in new[] { TmpFile, VarTmpFile })
        {
            File.Delete(file);
        }
        Directory.Delete(_hostDir, recursive: true);
        _temp.Dispose();
    }

    private string TmpFile => $"/tmp/x-{_marker}";
    private string VarTmpFile => $"/var/tmp/x-{_marker}";
    private string HostFile => Path.Combine(_hostDir, "escaped");
    private int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;
    private string ResultDir => _temp.Combine("work", "results");

    private static RpmbuildBackend Sandboxed => new("rpmbuild", TestSandbox.Default, ProcessRunner.Default, NullLogger.Instance);

    [SandboxFact]
    public async Task ASandboxedSpecWritesNothingOnTheHostAndCannotConnectToIt()
    {
        var srpm = await SrpmFactory.BuildAsync(EscapingSpec("escaper"), _temp.Combine("srpms"));

        var outcome = await Sandboxed.BuildAsync(Request(srpm), CancellationToken.None);

        Assert.True(outcome.Succeeded, outcome.Reason);
        var log = await File.ReadAllTextAsync(Path.Combine(ResultDir, "build.log"));
        // /tmp and /var/tmp are the sandbox's own: writes work there and vanish with it.
        Assert.Contains($"ESCAPE write {TmpFile}: ok", log, StringComparison.Ordinal);
        Assert.Contains($"ESCAPE write {VarTmpFile}: ok", log, StringComparison.Ordinal);
        Assert.Contains($"ESCAPE write {HostFile}: refused", log, StringComparison.Ordinal);
        Assert.Contains($"touch: cannot touch '{HostFile}': Read-only file system", log, StringComparison.Ordinal);
        Assert.Contains("ESCAPE connect: refused", log, StringComparison.Ordinal);
        Assert.False(File.Exists(TmpFile));
        Assert.False(File.Exists(VarTmpFile));
        Assert.Empty(Directory.GetFileSystemEntries(_hostDir));
        Assert.False(_listener.Pending());
        Assert.Equal(["escaper-1.0-1.el7.noarch.rpm"], Directory.GetFiles(ResultDir, "*.rpm").Select(Path.GetFileName));
    }

    [Fact]
    public async Task WithoutTheSandboxTheSameSpecWritesTheHostAndConnects()
    {
        var srpm = await SrpmFactory.BuildAsync(EscapingSpec("escaper"), _temp.Combine("srpms"));
        var unsandboxed = new RpmbuildBackend("rpmbuild", ProcessRunner.Default, NullLogger.Instance);

        var outcome = await unsandboxed.BuildAsync(Request(srpm), CancellationToken.None);

        Assert.True(outcome.Succeeded, outcome.Reason);
        Assert.True(File.Exists(TmpFile));
        Assert.True(File.Exists(VarTmpFile));
        Assert.True(File.Exists(HostFile));
        Assert.True(_listener.Pending());
        Assert.Contains("sandbox: none", await File.ReadAllTextAsync(Path.Combine(ResultDir, "root.log")), StringComparison.Ordinal);
    }

    [SandboxFact]
    public async Task AWriteOutsideTheBuildTreeFailsTheBuildSayingTheFileSystemIsReadOnly()
    {
        var srpm = await SrpmFactory.BuildAsync(SrpmFactory.NoarchSpecInstalling("writer", $"echo pwned > {HostFile}"), _temp.Combine("srpms"));

        var outcome = await Sandboxed.BuildAsync(Request(srpm), CancellationToken.None);

        Assert.False(outcome.Succeeded);
        Assert.Equal(1, outcome.ExitCode);
        Assert.Contains("(%install)", outcome.Reason, StringComparison.Ordinal);
        Assert.Contains($"{HostFile}: Read-only file system", await File.ReadAllTextAsync(Path.Combine(ResultDir, "build.log")), StringComparison.Ordinal);
        Assert.False(File.Exists(HostFile));
        Assert.Empty(Directory.GetFiles(ResultDir, "*.rpm"));
    }

    [SandboxFact]
    public async Task ARootWorkerBuildsAsTheBuildUserAndOwnsTheRpmsItPublishes()
    {
        var srpm = await SrpmFactory.BuildAsync(SrpmFactory.NoarchSpecInstalling("whoami", "echo \"build uid: $(id -u)\""), _temp.Combine("srpms"));
        var workerUid = await IdAsync("-u");

        var outcome = await Sandboxed.BuildAsync(Request(srpm), CancellationToken.None);

        Assert.True(outcome.Succeeded, outcome.Reason);
        var expectedBuildUid = Environment.IsPrivilegedProcess ? await IdAsync("-u", "nobody") : workerUid;
        Assert.Contains($"build uid: {expectedBuildUid}\n", await File.ReadAllTextAsync(Path.Combine(ResultDir, "build.log")), StringComparison.Ordinal);
        var rpm = Path.Combine(ResultDir, "whoami-1.0-1.el7.noarch.rpm");
        Assert.Equal(workerUid, await StatAsync("%u", rpm));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, File.GetUnixFileMode(rpm));
        Assert.Equal(["results"], Directory.GetFileSystemEntries(Path.GetDirectoryName(ResultDir)!).Select(Path.GetFileName));
    }

    [SandboxFact]
    public async Task TheBuildDoesNotSeeTheWorkersEnvironment()
    {
        var srpm = await SrpmFactory.BuildAsync(SrpmFactory.NoarchSpecInstalling("envy", "echo \"secret: ${REIMZUL_TEST_SECRET:-unset}\"\necho \"home: $HOME\""), _temp.Combine("srpms"));
        Environment.SetEnvironmentVariable("REIMZUL_TEST_SECRET", "hunter2");
        try
        {
            var outcome = await Sandboxed.BuildAsync(Request(srpm), CancellationToken.None);

            Assert.True(outcome.Succeeded, outcome.Reason);
        }
        finally
        {
            Environment.SetEnvironmentVariable("REIMZUL_TEST_SECRET", null);
        }
        var log = await File.ReadAllTextAsync(Path.Combine(ResultDir, "build.log"));
        Assert.Contains("secret: unset\n", log, StringComparison.Ordinal);
        Assert.Contains($"home: {BuildSandbox.BuildTree}\n", log, StringComparison.Ordinal);
    }

    /// A spec whose %install tries the host's /tmp and /var/tmp, a host dir and a TCP connection to the test.
    private string EscapingSpec(string name) => SrpmFactory.NoarchSpecInstalling(name, $$"""
        for target in {{TmpFile}} {{VarTmpFile}} {{HostFile}}; do
          if touch "$target"; then echo "ESCAPE write $target: ok"; else echo "ESCAPE write $target: refused"; fi
        done
        if bash -c 'exec 3<>/dev/tcp/127.0.0.1/{{Port}}'; then echo "ESCAPE connect: ok"; else echo "ESCAPE connect: refused"; fi
        """);

    private BuildRequest Request(string srpm) =>
        new(srpm, "pkg", "1.0-1", "noarch", "c7.1708.u.x86_64", ".el7", "20240101120000", ResultDir, TimeSpan.FromMinutes(2));

    private static async Task<string> IdAsync(params string[] arguments) => await OutputAsync("id", arguments);

    private static async Task<string> StatAsync(string format, string path) => await OutputAsync("stat", ["-c", format, path]);

    private static async Task<string> OutputAsync(string program, string[] arguments)
    {
        var result = await ProcessRunner.Default.RunAsync(new ProcessSpec(program, arguments));
        Assert.True(result.Succeeded, result.StandardError);
        return result.StandardOutput.Trim();
    }
}
