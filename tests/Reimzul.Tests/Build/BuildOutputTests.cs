using Microsoft.Extensions.Logging.Abstractions;
using Reimzul.Build;
using Reimzul.Processes;
using Reimzul.Tests.Support;

namespace Reimzul.Tests.Build;

/// <summary>What a spec leaves under <c>%{_rpmdir}</c> besides its packages is never taken as a result (built in the sandbox, as by default).</summary>
public sealed class BuildOutputTests : IDisposable
{
    private readonly TempDir _temp = new("reimzul-output");
    private RpmbuildBackend? _sandboxed;

    private RpmbuildBackend Backend => _sandboxed ??= new("rpmbuild", TestSandbox.Default, ProcessRunner.Default, NullLogger.Instance);

    public void Dispose() => _temp.Dispose();

    private string ResultDir => _temp.Combine("work", "results");

    private BuildRequest Request(string srpm, string arch) =>
        new(srpm, "pkg", "1.0-1", arch, "c7.1708.u.x86_64", ".el7", "20240101120000", ResultDir, TimeSpan.FromMinutes(2));

    [SandboxFact]
    public async Task AnRpmThatIsASymlinkFailsTheBuildAndIsNotCollected()
    {
        var secret = _temp.Combine("host-secret.txt");
        Directory.CreateDirectory(Path.GetDirectoryName(secret)!);
        await File.WriteAllTextAsync(secret, "not for publishing");
        var srpm = await SrpmFactory.BuildAsync(SrpmFactory.NoarchSpecInstalling("linky", $"mkdir -p %{{_rpmdir}}/noarch\nln -s {secret} %{{_rpmdir}}/noarch/x.rpm"), _temp.Combine("srpms"));

        var outcome = await Backend.BuildAsync(Request(srpm, "noarch"), CancellationToken.None);

        Assert.False(outcome.Succeeded);
        Assert.Contains("x.rpm", outcome.Reason, StringComparison.Ordinal);
        Assert.Contains("symbolic link", outcome.Reason, StringComparison.Ordinal);
        Assert.Contains("x.rpm", await File.ReadAllTextAsync(Path.Combine(ResultDir, "stderr")), StringComparison.Ordinal);
        Assert.DoesNotContain(new DirectoryInfo(ResultDir).EnumerateFileSystemInfos(), f => f.LinkTarget is not null);
        Assert.False(File.Exists(Path.Combine(ResultDir, "x.rpm")));
    }

    [SandboxFact]
    public async Task ADirectoryLinkUnderTheRpmDirIsNotFollowed()
    {
        var outside = _temp.Combine("outside");
        Directory.CreateDirectory(outside);
        File.Copy(await SrpmFactory.BuildAsync(SrpmFactory.NoarchSpec("elsewhere"), _temp.Combine("other")), Path.Combine(outside, "elsewhere-1.0-1.noarch.rpm"));
        var srpm = await SrpmFactory.BuildAsync(SrpmFactory.NoarchSpecInstalling("dirlinky", $"mkdir -p %{{_rpmdir}}\nln -s {outside} %{{_rpmdir}}/extra"), _temp.Combine("srpms"));

        var outcome = await Backend.BuildAsync(Request(srpm, "noarch"), CancellationToken.None);

        Assert.DoesNotContain("elsewhere-1.0-1.noarch.rpm", Directory.GetFiles(ResultDir).Select(Path.GetFileName));
        Assert.Contains("extra", await File.ReadAllTextAsync(Path.Combine(ResultDir, "stderr")), StringComparison.Ordinal);
        Assert.DoesNotContain(new DirectoryInfo(ResultDir).EnumerateFileSystemInfos(), f => f.LinkTarget is not null);
        Assert.True(File.Exists(Path.Combine(outside, "elsewhere-1.0-1.noarch.rpm")));
        Assert.True(outcome.Succeeded, outcome.Reason);
    }

    [SandboxFact]
    public async Task AFifoNamedLikeAnRpmFailsTheBuildInsteadOfBlockingTheWorker()
    {
        var srpm = await SrpmFactory.BuildAsync(SrpmFactory.NoarchSpecInstalling("fifo", "mkdir -p %{_rpmdir}/x86_64\nmkfifo %{_rpmdir}/x86_64/kernel-9.9-9.el7.x86_64.rpm"), _temp.Combine("srpms"));

        var build = Backend.BuildAsync(Request(srpm, "noarch"), CancellationToken.None);
        var outcome = await build.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.False(outcome.Succeeded);
        Assert.Equal("x86_64/kernel-9.9-9.el7.x86_64.rpm under RPMS/ is a FIFO, not a regular file; it is never a result", outcome.Reason);
        Assert.False(File.Exists(Path.Combine(ResultDir, "kernel-9.9-9.el7.x86_64.rpm")));
    }

    [SandboxFact]
    public async Task AZeroByteRpmWrittenByTheSpecFailsTheBuildWithTheReason()
    {
        var srpm = await SrpmFactory.BuildAsync(SrpmFactory.NoarchSpecInstalling("bogus", "mkdir -p %{_rpmdir}/x86_64\n: > %{_rpmdir}/x86_64/kernel-9.9-9.el7.x86_64.rpm"), _temp.Combine("srpms"));

        var outcome = await Backend.BuildAsync(Request(srpm, "noarch"), CancellationToken.None);

        Assert.False(outcome.Succeeded);
        Assert.Contains("kernel-9.9-9.el7.x86_64.rpm is not a result of this build: its header does not parse", outcome.Reason, StringComparison.Ordinal);
        Assert.Contains("kernel-9.9-9.el7.x86_64.rpm", await File.ReadAllTextAsync(Path.Combine(ResultDir, "stderr")), StringComparison.Ordinal);
    }

    [SandboxFact]
    public async Task AnRpmOfAnotherSourcePackageFailsTheBuildWithTheReason()
    {
        var otherSrpm = await SrpmFactory.BuildAsync(SrpmFactory.NoarchSpec("stranger"), _temp.Combine("other-srpms"));
        var otherResults = _temp.Combine("other", "results");
        var built = await Backend.BuildAsync(Request(otherSrpm, "noarch") with { ResultDir = otherResults }, CancellationToken.None);
        Assert.True(built.Succeeded, built.Reason);
        // The sandbox hides the host's /tmp, where the test keeps it: the spec carries the RPM in its text.
        var stranger = Convert.ToBase64String(await File.ReadAllBytesAsync(Path.Combine(otherResults, "stranger-1.0-1.el7.noarch.rpm")), Base64FormattingOptions.InsertLineBreaks);
        var srpm = await SrpmFactory.BuildAsync(
            SrpmFactory.NoarchSpecInstalling("host", $"mkdir -p %{{_rpmdir}}/noarch\nbase64 -d > %{{_rpmdir}}/noarch/stranger-1.0-1.el7.noarch.rpm <<'RPM'\n{stranger.ReplaceLineEndings("\n")}\nRPM"), _temp.Combine("srpms"));

        var outcome = await Backend.BuildAsync(Request(srpm, "noarch"), CancellationToken.None);

        Assert.False(outcome.Succeeded);
        Assert.Contains("stranger-1.0-1.el7.noarch.rpm is not a result of this build: it was built from stranger-1.0-1.el7.src.rpm, not from host-1.0", outcome.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("x86_64", "x86_64", true)]
    [InlineData("noarch", "x86_64", true)]
    [InlineData("noarch", "noarch", true)]
    [InlineData("i686", "i386", true)]
    [InlineData("i586", "i386", true)]
    [InlineData("i386", "i386", true)]
    [InlineData("armv7hl", "armhfp", true)]
    [InlineData("x86_64", "i386", false)]
    [InlineData("x86_64", "noarch", false)]
    [InlineData("i686", "x86_64", false)]
    [InlineData("ppc64", "ppc64le", false)]
    public void AnRpmsArchFitsTheBuildsArchNoarchOrA32BitX86ForI386(string rpmArch, string buildArch, bool fits) =>
        Assert.Equal(fits, BuildResultFiles.ArchFits(rpmArch, buildArch));
}
