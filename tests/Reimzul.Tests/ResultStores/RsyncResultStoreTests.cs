using System.Runtime.Versioning;
using Microsoft.Extensions.Logging.Abstractions;
using Reimzul.Config;
using Reimzul.Processes;
using Reimzul.ResultStores;
using Reimzul.Tests.Support;
using Reimzul.Worker;

namespace Reimzul.Tests.ResultStores;

/// <summary>One rsync daemon for the tests that need it up; each test works in its own dir of the module.</summary>
public sealed class RsyncdFixture : IAsyncLifetime
{
    public RsyncdServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await RsyncdServer.StartNewAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

[SupportedOSPlatform("linux")]
public sealed class RsyncResultStoreTests(RsyncdFixture daemon) : IClassFixture<RsyncdFixture>, IDisposable
{
    private const string Target = "c7.1708.u.x86_64";
    private const string PkgName = "hello";
    private const string Timestamp = "20240102030405";
    private const string Evr = "1.0-1.el7";
    private const string Arch = "x86_64";

    private readonly TempDir _local = new("reimzul-rsync-results");

    // Tests share the daemon; each gets its own dir in the module as the bstore root.
    private readonly string _root = "t" + Guid.NewGuid().ToString("N");

    public void Dispose() => _local.Dispose();

    private string BstoreDir(RsyncdServer server) => Path.Combine(server.ModuleDir, _root);

    private string FinalDir(RsyncdServer server) => Path.Combine(BstoreDir(server), "repo", Target, PkgName, Timestamp, $"{Evr}.{Arch}");

    private string StagingDir(RsyncdServer server) => Path.Combine(BstoreDir(server), ".staging");

    private RsyncOptions Options(RsyncdServer server) => new()
    {
        ModuleUrl = server.Url + "/" + _root,
        RetryDelay = TimeSpan.FromMilliseconds(50),
        MaxRetryDelay = TimeSpan.FromMilliseconds(200),
        IoTimeout = TimeSpan.FromSeconds(10),
    };

    private static RsyncResultStore Store(RsyncOptions options, RsyncLog? log = null) =>
        new(options, ProcessRunner.Default, (Microsoft.Extensions.Logging.ILogger?)log ?? NullLogger.Instance);

    /// <summary>A builder's result dir: RPM-sized binary files, the logs, and a nested file.</summary>
    private string MakeResult(string buildLog = "build ok")
    {
        var dir = _local.Combine("result-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(dir, "extra"));
        File.WriteAllBytes(Path.Combine(dir, $"{PkgName}-{Evr}.{Arch}.rpm"), RandomBytes(300_000));
        File.WriteAllBytes(Path.Combine(dir, $"{PkgName}-devel-{Evr}.{Arch}.rpm"), RandomBytes(70_000));
        File.WriteAllText(Path.Combine(dir, "build.log"), buildLog);
        File.WriteAllText(Path.Combine(dir, "root.log"), "root ok");
        File.WriteAllText(Path.Combine(dir, "extra", "hw_info.log"), "cpus: 2");
        return dir;
    }

    private string CopyOf(string dir)
    {
        var copy = _local.Combine("copy-" + Guid.NewGuid().ToString("N"));
        foreach (var file in Directory.GetFiles(dir, "*", SearchOption.AllDirectories))
        {
            var destination = Path.Combine(copy, Path.GetRelativePath(dir, file));
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination);
            File.SetLastWriteTimeUtc(destination, File.GetLastWriteTimeUtc(file));
        }
        return copy;
    }

    private static byte[] RandomBytes(int count)
    {
        var bytes = new byte[count];
        Random.Shared.NextBytes(bytes);
        return bytes;
    }

    private static StoredResult For(string resultDir) => new(resultDir, Target, PkgName, Timestamp, Evr, Arch);

    private static Dictionary<string, byte[]> Contents(string dir) =>
        Directory.GetFiles(dir, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(dir, f), File.ReadAllBytes, StringComparer.Ordinal);

    private static void AssertSameFiles(Dictionary<string, byte[]> expected, string dir)
    {
        var actual = Contents(dir);
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, bytes) in expected)
        {
            Assert.True(bytes.AsSpan().SequenceEqual(actual[name]), $"{name} differs on the bstore");
        }
    }

    private static string[] Entries(string dir) => Directory.Exists(dir) ? Directory.GetFileSystemEntries(dir) : [];

    [Fact]
    public async Task TheResultLandsInTheRepoLayoutWithEveryFileIdentical()
    {
        var result = MakeResult();
        var expected = Contents(result);

        await Store(Options(daemon.Server)).StoreAsync(For(result), CancellationToken.None);

        AssertSameFiles(expected, FinalDir(daemon.Server));
        Assert.False(Directory.Exists(result), "a stored result is consumed");
        Assert.Empty(Entries(StagingDir(daemon.Server)));
        // Served read-only to everybody, whatever the builder's umask.
        Assert.Equal(
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
            File.GetUnixFileMode(Path.Combine(FinalDir(daemon.Server), "build.log")));
    }

    [Fact]
    public async Task UploadingTheSameResultAgainLeavesTheSameResult()
    {
        var result = MakeResult();
        var again = CopyOf(result);
        var expected = Contents(result);
        var store = Store(Options(daemon.Server));

        await store.StoreAsync(For(result), CancellationToken.None);
        await store.StoreAsync(For(again), CancellationToken.None);

        AssertSameFiles(expected, FinalDir(daemon.Server));
        Assert.Empty(Entries(StagingDir(daemon.Server)));
        Assert.Equal([Path.Combine(BstoreDir(daemon.Server), "repo", Target, PkgName, Timestamp, $"{Evr}.{Arch}")],
            Entries(Path.Combine(BstoreDir(daemon.Server), "repo", Target, PkgName, Timestamp)));
    }

    [Fact]
    public async Task ARebuiltResultReplacesTheEarlierFilesEvenWhereSizeAndTimeAgree()
    {
        var first = MakeResult("first attempt");
        File.WriteAllText(Path.Combine(first, "state.log"), "only the first attempt wrote this");
        // Whole seconds: .NET's 100 ns ticks cannot copy a nanosecond mtime exactly.
        var logTime = new DateTime(2024, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(Path.Combine(first, "build.log"), logTime);
        var store = Store(Options(daemon.Server));
        await store.StoreAsync(For(first), CancellationToken.None);

        // Same size and mtime as the first build.log: only a checksum tells them apart.
        var second = MakeResult("later attempt");
        File.SetLastWriteTimeUtc(Path.Combine(second, "build.log"), logTime);
        var expected = Contents(second);
        await store.StoreAsync(For(second), CancellationToken.None);

        AssertSameFiles(expected, FinalDir(daemon.Server));
        Assert.Equal("later attempt", File.ReadAllText(Path.Combine(FinalDir(daemon.Server), "build.log")));
    }

    [Fact]
    public async Task WhileTheDaemonIsDownTheStoreRetriesAndSucceedsOnceItIsBack()
    {
        await using var late = RsyncdServer.Create();
        var log = new RsyncLog();
        var result = MakeResult();
        var expected = Contents(result);

        var storing = Store(Options(late) with { Attempts = 100 }, log).StoreAsync(For(result), CancellationToken.None);
        await log.WaitForWarningAsync("(try 1 of 100)");
        Assert.False(storing.IsCompleted);
        await late.StartAsync();
        await storing.WaitAsync(TimeSpan.FromSeconds(30));

        AssertSameFiles(expected, FinalDir(late));
        Assert.Contains(log.Warnings, w => w.Contains("Connection refused", StringComparison.Ordinal));
    }

    [Fact]
    public async Task WhenTheDaemonStaysDownTheStoreThrowsAfterTheConfiguredTriesAndKeepsTheResult()
    {
        await using var down = RsyncdServer.Create();
        var log = new RsyncLog();
        var result = MakeResult();
        var expected = Contents(result);

        var error = await Assert.ThrowsAsync<RsyncTransferException>(
            () => Store(Options(down) with { Attempts = 3 }, log).StoreAsync(For(result), CancellationToken.None));

        Assert.Contains("after 3 tries", error.Message, StringComparison.Ordinal);
        Assert.Contains("Connection refused", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, log.Warnings.Count(w => w.Contains("trying again", StringComparison.Ordinal)));
        AssertSameFiles(expected, result);
    }

    [Fact]
    public async Task AStopRequestedWhileTheDaemonIsDownEndsTheRetriesAndKeepsTheResult()
    {
        await using var down = RsyncdServer.Create();
        var log = new RsyncLog();
        var result = MakeResult();
        var expected = Contents(result);
        using var stop = new CancellationTokenSource();

        var storing = Store(Options(down) with { Attempts = 100, RetryDelay = TimeSpan.FromSeconds(30), MaxRetryDelay = TimeSpan.FromSeconds(30) }, log)
            .StoreAsync(For(result), stop.Token);
        await log.WaitForWarningAsync("(try 1 of 100)");
        await stop.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => storing.WaitAsync(TimeSpan.FromSeconds(10)));
        AssertSameFiles(expected, result);
    }

    [Fact]
    public async Task AnUnknownModuleIsReportedWithTheDaemonsMessage()
    {
        var result = MakeResult();

        var error = await Assert.ThrowsAsync<RsyncTransferException>(() =>
            Store(Options(daemon.Server) with { ModuleUrl = daemon.Server.Url + "-nosuchmodule", Attempts = 2 }).StoreAsync(For(result), CancellationToken.None));

        Assert.Contains("Unknown module", error.Message, StringComparison.Ordinal);
        Assert.True(Directory.Exists(result));
    }

    [Fact]
    public async Task FilesThatDoNotMatchOnTheBstoreAfterTheUploadAreNeverReportedStored()
    {
        // The daemon runs this before every transfer, so each check finds a build.log changed behind rsync's back,
        // in place and with size and mtime kept: only a checksum can tell.
        var tamper = _local.Combine("tamper.sh");
        File.WriteAllText(tamper, """
            #!/bin/sh
            for f in "$RSYNC_MODULE_PATH"/*/repo/*/*/*/*/build.log; do
                [ -f "$f" ] || continue
                touch -r "$f" "$f.time"
                printf X | dd of="$f" bs=1 count=1 conv=notrunc 2>/dev/null
                touch -r "$f.time" "$f"
                rm -f "$f.time"
            done
            exit 0

            """);
        File.SetUnixFileMode(tamper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        await using var meddling = await RsyncdServer.StartNewAsync($"pre-xfer exec = {tamper}");
        var result = MakeResult();

        var error = await Assert.ThrowsAsync<RsyncTransferException>(() =>
            Store(Options(meddling) with { Attempts = 2 }).StoreAsync(For(result), CancellationToken.None));

        Assert.Contains("differ", error.Message, StringComparison.Ordinal);
        Assert.Contains("build.log", error.Message, StringComparison.Ordinal);
        Assert.True(Directory.Exists(result));
    }

    [Fact]
    public async Task AMissingRsyncFailsAtOnceWithAClearMessage()
    {
        var log = new RsyncLog();
        var result = MakeResult();

        var error = await Assert.ThrowsAsync<RsyncTransferException>(() =>
            Store(Options(daemon.Server) with { RsyncPath = "/nonexistent/rsync", Attempts = 5 }, log).StoreAsync(For(result), CancellationToken.None));

        Assert.Contains("/nonexistent/rsync", error.Message, StringComparison.Ordinal);
        Assert.Empty(log.Warnings);
    }

    public static TheoryData<string, string, string, string, string> HostileNames => new()
    {
        { "..", PkgName, Timestamp, Evr, Arch },
        { "../../etc", PkgName, Timestamp, Evr, Arch },
        { Target, "repodata", Timestamp, Evr, Arch },
        { Target, ".staging", Timestamp, Evr, Arch },
        { Target, PkgName, "*", Evr, Arch },
        { Target, PkgName, Timestamp, "1.0 -1", Arch },
        { Target, PkgName, Timestamp, Evr, "--delete" },
        { Target, PkgName, Timestamp, Evr, "x86_64\nb" },
        { Target, PkgName, Timestamp, "1.0\0", Arch },
        { "", PkgName, Timestamp, Evr, Arch },
        { Target, PkgName, "2024:01", Evr, Arch },
    };

    [Theory]
    [MemberData(nameof(HostileNames))]
    public async Task HostileNamesAreRefusedBeforeAnythingRuns(string target, string pkgName, string timestamp, string evr, string arch)
    {
        var result = MakeResult();
        var expected = Contents(result);

        await Assert.ThrowsAsync<ArgumentException>(() =>
            Store(Options(daemon.Server)).StoreAsync(new StoredResult(result, target, pkgName, timestamp, evr, arch), CancellationToken.None));

        Assert.False(Directory.Exists(BstoreDir(daemon.Server)), "nothing may reach the bstore");
        AssertSameFiles(expected, result);
    }

    [Theory]
    [InlineData("http://bstore.example.org/reimzul-bstore")]
    [InlineData("rsync://bstore.example.org")]
    [InlineData("rsync://bstore.example.org/../etc")]
    [InlineData("rsync://-oProxyCommand=x/mod")]
    public void AnUnusableModuleUrlIsRefusedWhenTheStoreIsMade(string url)
    {
        var error = Assert.Throws<ArgumentException>(() => Store(new RsyncOptions { ModuleUrl = url }));

        Assert.Contains("rsync URL", error.Message, StringComparison.Ordinal);
    }
}
