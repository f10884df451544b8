using Reimzul.GitToSrpm;

namespace Reimzul.Tests.Remote;

/// <summary>The fields of a git build are checked before any of them reaches git, rpmbuild or a path.</summary>
public sealed class GitSourceFacts
{
    private static GitSource Valid => new("hello", "c7", "HEAD", "", "");

    [Fact]
    public void CentOsStyleNamesAreAccepted()
    {
        Assert.Null(Valid.Problem());
        Assert.Null(new GitSource("python-six", "c7-sig-cloud-openstack-queens", "imports/c7/python-six-1.9.0-2.el7", ".el7_4", "c7").Problem());
        Assert.Null(new GitSource("gcc", "c7", "0123456789abcdef0123456789abcdef01234567", "", "").Problem());
    }

    [Theory]
    [InlineData("--upload-pack=touch /tmp/pwned", "c7", "HEAD", "package")]
    [InlineData("hello", "-c core.sshCommand=touch", "HEAD", "branch")]
    [InlineData("hello", "--upload-pack=x", "HEAD", "branch")]
    [InlineData("hello", "c7", "-c", "ref")]
    [InlineData("hello;id", "c7", "HEAD", "package")]
    [InlineData("hello", "c7", "$(id)", "ref")]
    [InlineData("hello", "c7", "`id`", "ref")]
    [InlineData("../etc", "c7", "HEAD", "package")]
    [InlineData("hello", "../../etc", "HEAD", "branch")]
    [InlineData("hello", "c7/../x", "HEAD", "branch")]
    [InlineData("hello\nworld", "c7", "HEAD", "package")]
    [InlineData("hello", "c7", "HEAD\nmaster", "ref")]
    [InlineData("hello", "c7", "HEAD@{1}", "ref")]
    [InlineData("hello", "c7", "", "ref")]
    [InlineData("hello/x", "c7", "HEAD", "package")]
    public void HostileFieldsAreRefusedNamingTheField(string package, string branch, string gitRef, string field)
    {
        var problem = new GitSource(package, branch, gitRef, "", "").Problem();

        Assert.NotNull(problem);
        Assert.StartsWith(field, problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(".el7;id")]
    [InlineData("$(id)")]
    [InlineData(".el7 x")]
    public void AHostileDisttagIsRefused(string disttag) => Assert.NotNull((Valid with { Disttag = disttag }).Problem());

    [Theory]
    [InlineData("../../etc")]
    [InlineData("c7/x")]
    [InlineData("-x")]
    public void AHostileSourcesDirIsRefused(string dir) => Assert.StartsWith("sources dir", (Valid with { SourcesDir = dir }).Problem(), StringComparison.Ordinal);

    [Fact]
    public void AFieldLongerThanTheLimitIsRefused() =>
        Assert.Contains("at most", (Valid with { Package = new string('a', GitSource.MaxFieldLength + 1) }).Problem(), StringComparison.Ordinal);

    [Theory]
    [InlineData("0123456789abcdef0123456789abcdef ../x", "is not allowed")]
    [InlineData("0123456789abcdef0123456789abcdef /etc/passwd", "is not a relative path")]
    [InlineData("0123456789abcdef0123456789abcdef .git/hooks/post-checkout", "starts with '.'")]
    [InlineData("0123456789 SOURCES/a.tar.gz", "is not 'HASH PATH'")]
    [InlineData("0123456789abcdef0123456789abcdef SOURCES/a b", "is not 'HASH PATH'")]
    public void AMetadataLineThatLeavesTheCheckoutOrHasNoKnownHashIsRefused(string line, string expected)
    {
        var error = Assert.Throws<GitSrpmException>(() => SourcesMetadata.Parse(line, ".hello.metadata"));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(32, "MD5")]
    [InlineData(40, "SHA1")]
    [InlineData(64, "SHA256")]
    [InlineData(128, "SHA512")]
    public void TheHashAlgorithmIsToldByTheLength(int length, string algorithm) =>
        Assert.Equal(algorithm, LookasideHash.AlgorithmOf(new string('a', length))?.Name);
}
