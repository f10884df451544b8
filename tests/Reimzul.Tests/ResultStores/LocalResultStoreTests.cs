using Microsoft.Extensions.Logging.Abstractions;
using Reimzul.Config;
using Reimzul.Processes;
using Reimzul.Repogen;
using Reimzul.ResultStores;
using Reimzul.Tests.Support;
using Reimzul.Worker;

namespace Reimzul.Tests.ResultStores;

[Collection(StoreCollection.Name)]
public sealed class LocalResultStoreTests(StoreRpms rpms) : IDisposable
{
    private const string Target = "c7.1708.u.x86_64";
    private const string Timestamp = "20240102030405";
    private readonly StoreLayout layout = new();

    private LocalResultStore Store() => new(layout.Paths, NullLogger.Instance);

    private string FinalDir(BuiltRpm rpm) => Path.Combine(layout.RepoDir(Target), rpm.Name, Timestamp, $"{rpm.Evr}.{rpm.Arch}");

    /// <summary>A builder's result dir: the RPM and its logs.</summary>
    private static string MakeResult(string parent, BuiltRpm rpm, string log = "build ok")
    {
        var dir = Path.Combine(parent, "result-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        File.Copy(rpm.Path, Path.Combine(dir, rpm.FileName));
        File.WriteAllText(Path.Combine(dir, "build.log"), log);
        File.WriteAllText(Path.Combine(dir, "root.log"), "root ok");
        return dir;
    }

    private static StoredResult For(string resultDir, BuiltRpm rpm) => new(resultDir, Target, rpm.Name, Timestamp, rpm.Evr, rpm.Arch);

    private static string[] Sorted(params string[] names) => names.Order(StringComparer.Ordinal).ToArray();

    private static string[] Listing(string dir) =>
        Directory.GetFiles(dir, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(dir, f)).Order(StringComparer.Ordinal).ToArray();

    [Fact]
    public async Task TheResultIsMovedToItsFinalPlaceAndTheSourceIsConsumed()
    {
        var rpm = rpms.Packages[0];
        var result = MakeResult(layout.Paths.Results, rpm);

        await Store().StoreAsync(For(result, rpm), CancellationToken.None);

        Assert.False(Directory.Exists(result));
        Assert.Equal(Sorted("build.log", rpm.FileName, "root.log"), Listing(FinalDir(rpm)));
        Assert.Equal(File.ReadAllBytes(rpm.Path), File.ReadAllBytes(Path.Combine(FinalDir(rpm), rpm.FileName)));
        Assert.Empty(Directory.GetFileSystemEntries(layout.Paths.Staging));
    }

    [Fact]
    public async Task ADifferentResultAtThePlaceOfAPublishedOneIsRefusedAndBothStayWhole()
    {
        var rpm = rpms.Packages[0];
        await Store().StoreAsync(For(MakeResult(layout.Paths.Results, rpm, "first attempt"), rpm), CancellationToken.None);
        var second = MakeResult(layout.Paths.Results, rpm, "second attempt");

        var refused = await Assert.ThrowsAsync<InvalidDataException>(() => Store().StoreAsync(For(second, rpm), CancellationToken.None));

        Assert.Contains("is taken by a different result", refused.Message, StringComparison.Ordinal);
        Assert.Contains($"{rpm.Name}/{Timestamp}/{rpm.Evr}.{rpm.Arch}/", refused.Message, StringComparison.Ordinal);
        Assert.Equal("first attempt", File.ReadAllText(Path.Combine(FinalDir(rpm), "build.log")));
        Assert.Equal(Sorted("build.log", rpm.FileName, "root.log"), Listing(second));
        Assert.Empty(Directory.GetFileSystemEntries(layout.Paths.Staging));
    }

    [Fact]
    public async Task TheSameResultStoredAgainIsDoneAlreadyAndTheSourceIsConsumed()
    {
        var rpm = rpms.Packages[0];
        await Store().StoreAsync(For(MakeResult(layout.Paths.Results, rpm), rpm), CancellationToken.None);
        var stamps = Directory.GetFiles(FinalDir(rpm)).ToDictionary(f => f, File.GetLastWriteTimeUtc);
        var again = MakeResult(layout.Paths.Results, rpm);

        await Store().StoreAsync(For(again, rpm), CancellationToken.None);

        Assert.False(Directory.Exists(again));
        Assert.Equal(stamps, Directory.GetFiles(FinalDir(rpm)).ToDictionary(f => f, File.GetLastWriteTimeUtc));
        Assert.Empty(Directory.GetFileSystemEntries(layout.Paths.Staging));
    }

    [Fact]
    public async Task AResultOnAnotherFilesystemIsCopiedInAndTheSourceIsConsumed()
    {
        // /dev/shm is a tmpfs, so a rename from there into the data dir crosses filesystems.
        Assert.True(Directory.Exists("/dev/shm"), "this test needs /dev/shm");
        using var elsewhere = new TempDir("/dev/shm/reimzul-results");
        var rpm = rpms.Packages[1];
        var result = MakeResult(elsewhere.Path, rpm);
        Directory.CreateDirectory(Path.Combine(result, "sub"));
        File.WriteAllText(Path.Combine(result, "sub", "extra.txt"), "nested");

        await Store().StoreAsync(For(result, rpm), CancellationToken.None);

        Assert.False(Directory.Exists(result));
        Assert.Equal(Sorted("build.log", rpm.FileName, "root.log", Path.Combine("sub", "extra.txt")), Listing(FinalDir(rpm)));
        Assert.Equal(File.ReadAllBytes(rpm.Path), File.ReadAllBytes(Path.Combine(FinalDir(rpm), rpm.FileName)));
    }

    [Fact]
    public async Task AStoredResultShowsUpInTheRepodata()
    {
        var rpm = rpms.Packages[2];
        await Store().StoreAsync(For(MakeResult(layout.Paths.Results, rpm), rpm), CancellationToken.None);
        var regenerator = new RepoRegenerator(layout.Paths, new RepogenOptions { Workers = 2 }, ProcessRunner.Default, NullLogger.Instance);

        await regenerator.RequestAsync(Target, CancellationToken.None);
        await regenerator.RunPendingAsync(Target, CancellationToken.None);

        Assert.Equal([rpm.Nevra], await layout.RepoqueryAsync(layout.RepoDir(Target)));
    }

    [Fact]
    public async Task AMissingResultDirIsReportedAsSuch()
    {
        var missing = Path.Combine(layout.Paths.Results, "never-built");

        var error = await Assert.ThrowsAsync<DirectoryNotFoundException>(() => Store().StoreAsync(For(missing, rpms.Packages[0]), CancellationToken.None));

        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("..", "pkg", Timestamp, "1.0-1", "noarch")]
    [InlineData("a/b", "pkg", Timestamp, "1.0-1", "noarch")]
    [InlineData(Target, "..", Timestamp, "1.0-1", "noarch")]
    [InlineData(Target, "repodata", Timestamp, "1.0-1", "noarch")]
    [InlineData(Target, "pkg", "../../../../tmp", "1.0-1", "noarch")]
    [InlineData(Target, "pkg", Timestamp, "..", "noarch")]
    [InlineData(Target, "pkg", Timestamp, "1.0-1", "/etc")]
    [InlineData(Target, "pkg", Timestamp, "1.0-1", "no\0arch")]
    [InlineData(Target, "pkg", Timestamp, "", "noarch")]
    [InlineData("", "pkg", Timestamp, "1.0-1", "noarch")]
    public async Task HostileNamesAreRefusedAndTheResultStaysWhereItWas(string target, string pkgName, string timestamp, string evr, string arch)
    {
        var result = MakeResult(layout.Paths.Results, rpms.Packages[0]);

        var refused = await Assert.ThrowsAsync<ArgumentException>(() =>
            Store().StoreAsync(new StoredResult(result, target, pkgName, timestamp, evr, arch), CancellationToken.None));

        Assert.Matches("target|pkgname|timestamp|evr|arch", refused.Message);
        Assert.Equal(3, Directory.GetFiles(result).Length);
        Assert.False(Directory.Exists(layout.Paths.Repo));
        Assert.False(Directory.Exists(layout.Paths.Staging));
    }

    public void Dispose() => layout.Dispose();
}
