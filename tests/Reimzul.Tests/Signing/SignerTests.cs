using Microsoft.Extensions.Logging.Abstractions;
using Reimzul.Messages;
using Reimzul.Signing;
using Reimzul.Tests.Support;

namespace Reimzul.Tests.Signing;

[Collection(StoreCollection.Name)]
public sealed class SignerTests(StoreRpms rpms) : IDisposable
{
    private const string Target = "c7.1708.u.x86_64";
    private const string Timestamp = "20240102030405";
    private readonly StoreLayout layout = new();

    private Signer Signer() => new(layout.Paths, NullLogger.Instance);

    private string TosignDir => Path.Combine(layout.Paths.Tosign, Target);

    private string[] Staged() => Directory.GetFiles(TosignDir).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;

    /// <summary>One build of package a: an x86_64 result and a chained i386 result under the same timestamp.</summary>
    private (BuiltRpm Main, BuiltRpm Chained) PlaceChainedBuild()
    {
        var main = rpms.Packages[0];
        var chained = rpms.Packages[1];
        layout.PlaceBuild(Target, main, Timestamp, "1.0-1.el7.x86_64");
        var chainedPath = Path.Combine(layout.RepoDir(Target), main.Name, Timestamp, "1.0-1.el7.i386", chained.FileName);
        Directory.CreateDirectory(Path.GetDirectoryName(chainedPath)!);
        File.Copy(chained.Path, chainedPath);
        File.WriteAllText(Path.Combine(Path.GetDirectoryName(chainedPath)!, "build.log"), "not an rpm");
        return (main, chained);
    }

    private static TosignRequest Request(string pkgName, string? evr = null, string arch = "x86_64") =>
        new() { Target = Target, PkgName = pkgName, Timestamp = Timestamp, Status = "Success", Arch = arch, Evr = evr };

    [Fact]
    public async Task EveryRpmOfTheBuildIsStagedAndASecondCallStagesNothingNew()
    {
        var (main, chained) = PlaceChainedBuild();
        var expected = new[] { main.FileName, chained.FileName }.Order(StringComparer.Ordinal).ToArray();

        var first = await Signer().StageAsync(Request(main.Name), CancellationToken.None);
        var second = await Signer().StageAsync(Request(main.Name), CancellationToken.None);

        Assert.True(first.BuildDirFound);
        Assert.Equal(expected, first.Staged.Order(StringComparer.Ordinal));
        Assert.Empty(first.Skipped);
        Assert.Empty(second.Staged);
        Assert.Equal(expected, second.Skipped.Order(StringComparer.Ordinal));
        Assert.Equal(expected, Staged());
        Assert.Equal(File.ReadAllBytes(main.Path), File.ReadAllBytes(Path.Combine(TosignDir, main.FileName)));
    }

    [Fact]
    public async Task WithAnEvrOnlyThatResultOfTheBuildIsStaged()
    {
        var (main, chained) = PlaceChainedBuild();

        var report = await Signer().StageAsync(Request(main.Name, evr: "1.0-1.el7", arch: "i386"), CancellationToken.None);

        Assert.Equal([chained.FileName], report.Staged);
        Assert.Equal([chained.FileName], Staged());
    }

    [Fact]
    public async Task AStagedFileOfTheSameNameWithOtherContentIsReplacedWhole()
    {
        var (main, _) = PlaceChainedBuild();
        Directory.CreateDirectory(TosignDir);
        File.WriteAllText(Path.Combine(TosignDir, main.FileName), "an older build of the same name");

        var report = await Signer().StageAsync(Request(main.Name, evr: "1.0-1.el7"), CancellationToken.None);

        Assert.Equal([main.FileName], report.Staged);
        Assert.Equal(File.ReadAllBytes(main.Path), File.ReadAllBytes(Path.Combine(TosignDir, main.FileName)));
        Assert.Equal([main.FileName], Staged());
    }

    [Fact]
    public async Task TwoRpmsOfOneNameInABuildStageTheFirstAndStayIdempotent()
    {
        var (main, _) = PlaceChainedBuild();
        var clash = Path.Combine(layout.RepoDir(Target), main.Name, Timestamp, "1.0-1.el7.i386", main.FileName);
        File.WriteAllText(clash, "the same noarch file name, built again by the chained build");

        var first = await Signer().StageAsync(Request(main.Name), CancellationToken.None);
        var second = await Signer().StageAsync(Request(main.Name), CancellationToken.None);

        Assert.Equal([main.FileName], first.Conflicts);
        Assert.Empty(second.Staged);
        Assert.Equal(File.ReadAllBytes(clash), File.ReadAllBytes(Path.Combine(TosignDir, main.FileName)));
    }

    [Fact]
    public async Task ASymlinkInTheBuildIsNotFollowedOutOfTheRepo()
    {
        var (main, _) = PlaceChainedBuild();
        var buildDir = Path.Combine(layout.RepoDir(Target), main.Name, Timestamp);
        File.CreateSymbolicLink(Path.Combine(buildDir, "1.0-1.el7.x86_64", "secret.rpm"), "/etc/hostname");
        Directory.CreateSymbolicLink(Path.Combine(buildDir, "elsewhere"), layout.Paths.Cache);
        Directory.CreateDirectory(layout.Paths.Cache);
        File.WriteAllText(Path.Combine(layout.Paths.Cache, "cached.rpm"), "not part of the build");

        var report = await Signer().StageAsync(Request(main.Name), CancellationToken.None);

        Assert.DoesNotContain("secret.rpm", report.Staged);
        Assert.DoesNotContain("cached.rpm", report.Staged);
        Assert.Equal(2, Staged().Length);
    }

    [Fact]
    public async Task AMissingBuildDirIsReportedAndNothingIsStaged()
    {
        var report = await Signer().StageAsync(Request("never-built"), CancellationToken.None);

        Assert.False(report.BuildDirFound);
        Assert.Equal(Path.Combine(layout.RepoDir(Target), "never-built", Timestamp), report.BuildDir);
        Assert.Empty(report.Staged);
        Assert.False(Directory.Exists(TosignDir));
    }

    [Theory]
    [InlineData("..", "pkg", Timestamp, null, "x86_64")]
    [InlineData(Target, "../..", Timestamp, null, "x86_64")]
    [InlineData(Target, "pkg", "a/b", null, "x86_64")]
    [InlineData(Target, "pkg", ".", null, "x86_64")]
    [InlineData(Target, "pkg", Timestamp, "../../..", "x86_64")]
    [InlineData(Target, "pkg", Timestamp, "1.0-1", "x/y")]
    [InlineData(Target, "pkg", Timestamp, "1.0-1", "")]
    [InlineData(Target, "pkg\0", Timestamp, null, "x86_64")]
    [InlineData(Target, "repodata", Timestamp, null, "x86_64")]
    public async Task HostileNamesAreRefusedWithAClearMessage(string target, string pkgName, string timestamp, string? evr, string arch)
    {
        var request = new TosignRequest { Target = target, PkgName = pkgName, Timestamp = timestamp, Evr = evr, Arch = arch };

        var refused = await Assert.ThrowsAsync<ArgumentException>(() => Signer().StageAsync(request, CancellationToken.None));

        Assert.Matches("target|pkgname|timestamp|evr|arch", refused.Message);
        Assert.False(Directory.Exists(layout.Paths.Tosign));
    }

    public void Dispose() => layout.Dispose();
}
