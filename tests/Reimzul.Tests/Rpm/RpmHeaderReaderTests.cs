using System.Globalization;
using Reimzul.Processes;
using Reimzul.Rpm;

namespace Reimzul.Tests.Rpm;

[Collection(RpmPackagesCollection.Name)]
public sealed class RpmHeaderReaderTests(RpmPackagesFixture packages)
{
    [Theory]
    [InlineData("rznoarch")]
    [InlineData("rzcprog")]
    [InlineData("rzepoch")]
    public async Task ASourceRpmReadsAsRpmQueriesIt(string name)
    {
        var srpm = packages.Srpms.Single(p => Path.GetFileName(p).StartsWith(name + "-", StringComparison.Ordinal));

        var info = RpmHeaderReader.Read(srpm);

        Assert.Equal(await QueryWithRpm(srpm), Describe(info));
        Assert.True(info.IsSource);
    }

    [Theory]
    [InlineData("rznoarch-1.0")]
    [InlineData("rzcprog-2.0")]
    [InlineData("rzcprog-libs-2.0")]
    [InlineData("rzepoch-4.5.6")]
    public async Task ABinaryRpmReadsAsRpmQueriesIt(string prefix)
    {
        var rpm = packages.BinaryRpms.Single(p => Path.GetFileName(p).StartsWith(prefix + "-", StringComparison.Ordinal));

        var info = RpmHeaderReader.Read(rpm);

        Assert.Equal(await QueryWithRpm(rpm), Describe(info));
        Assert.False(info.IsSource);
    }

    [Theory]
    [InlineData("rznoarch-1.0")]
    [InlineData("rzcprog-libs-2.0")]
    public async Task ABinaryRpmReportsTheSourceRpmItWasBuiltFromAsRpmQueriesIt(string prefix)
    {
        var rpm = packages.BinaryRpms.Single(p => Path.GetFileName(p).StartsWith(prefix + "-", StringComparison.Ordinal));
        var run = await ProcessRunner.Default.RunAsync(new ProcessSpec("rpm", ["-qp", "--nosignature", "--qf", "%{SOURCERPM}", rpm]) { Timeout = TimeSpan.FromSeconds(30) });

        Assert.Equal(run.StandardOutput.Trim(), RpmHeaderReader.Read(rpm).SourceRpm);
        Assert.Null(RpmHeaderReader.Read(packages.NoarchSrpm).SourceRpm);
    }

    [Fact]
    public void AnEpochPackageReportsItsEpochAndEvrLeavesItOut()
    {
        var info = RpmHeaderReader.ReadSource(packages.EpochSrpm);

        Assert.Equal(new RpmPackageInfo("rzepoch", "4.5.6", "7", 3, "noarch", IsSource: true), info);
        Assert.Equal("4.5.6-7", info.Evr);
    }

    [Fact]
    public void APackageWithoutEpochHasNoEpoch()
    {
        Assert.Null(RpmHeaderReader.Read(packages.NoarchSrpm).Epoch);
    }

    [Fact]
    public void AnSrpmReportsItsBuildArchNotSrc()
    {
        var info = RpmHeaderReader.ReadSource(packages.CProgramSrpm);

        Assert.Equal(RpmHeaderReader.Read(packages.CProgramBinary).Arch, info.Arch);
        Assert.NotEqual("src", info.Arch);
    }

    [Fact]
    public void ReadSourceRefusesABinaryRpmNamingItsArch()
    {
        var binary = packages.CProgramBinary;
        var arch = RpmHeaderReader.Read(binary).Arch;

        var ex = Assert.Throws<RpmFormatException>(() => RpmHeaderReader.ReadSource(binary));

        Assert.Equal($"{binary} is a binary RPM (arch {arch}), not a source RPM", ex.Message);
    }

    [Fact]
    public void AStreamThatCannotSeekReadsTheSame()
    {
        using var stream = new OneWayStream(File.ReadAllBytes(packages.CProgramSrpm));

        Assert.Equal(RpmHeaderReader.Read(packages.CProgramSrpm), RpmHeaderReader.Read(stream));
    }

    [Fact]
    public void ReadingStopsAtTheEndOfTheMainHeaderAndNeverTouchesThePayload()
    {
        var layout = new RpmLayout(File.ReadAllBytes(packages.CProgramBinary));
        using var stream = new OneWayStream(layout.Bytes);

        RpmHeaderReader.Read(stream);

        Assert.Equal(layout.MainEnd, stream.BytesRead);
        Assert.True(layout.Bytes.Length > layout.MainEnd, "the package should have a payload after its header");
    }

    [Fact]
    public void APackageCutRightAfterItsMainHeaderStillReads()
    {
        var layout = new RpmLayout(File.ReadAllBytes(packages.EpochSrpm));
        var headerOnly = packages.WriteFile("header-only.src.rpm", layout.Bytes.AsSpan(0, layout.MainEnd));

        Assert.Equal(RpmHeaderReader.Read(packages.EpochSrpm), RpmHeaderReader.Read(headerOnly));
    }

    private static string Describe(RpmPackageInfo info) =>
        $"{info.Name} {info.Version} {info.Release} {info.Epoch?.ToString(CultureInfo.InvariantCulture) ?? "(none)"} {info.Arch}";

    private static async Task<string> QueryWithRpm(string path)
    {
        var result = await ProcessRunner.Default.RunAsync(new ProcessSpec(
            "rpm", ["-qp", "--nosignature", "--nodigest", "--qf", "%{name} %{version} %{release} %{epoch} %{arch}", path]));
        Assert.True(result.Succeeded, result.StandardError);
        return result.StandardOutput;
    }
}
