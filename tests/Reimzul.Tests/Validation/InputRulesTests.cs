using Reimzul.Messages;
using Reimzul.Validation;

namespace Reimzul.Tests.Validation;

public sealed class InputRulesTests
{
    private static readonly string TooLong = new string('a', 250) + ".src.rpm";

    [Theory]
    [InlineData("foo-1.0-1.src.rpm")]
    [InlineData("kernel-3.10.0-693.el7.src.rpm")]
    [InlineData("libstdc++-4.8.5-16.el7_4.1.src.rpm")]
    [InlineData("python-backports_abc-0.5-2.el7.src.rpm")]
    [InlineData("foo-1.0~rc1^git2-1.src.rpm")]
    [InlineData("a.src.rpm")]
    public void GoodSrpmFileNamesPass(string name)
    {
        Assert.True(InputRules.TryValidateSrpmFileName(name, out var error), error);
        Assert.Equal("", error);
    }

    [Theory]
    [InlineData("../x.src.rpm", "contains '/'; it must be a bare file name")]
    [InlineData("/etc/x.src.rpm", "contains '/'; it must be a bare file name")]
    [InlineData("x..y.src.rpm", "contains '..'")]
    [InlineData("a b.src.rpm", "contains a space")]
    [InlineData("x;rm -rf.src.rpm", "contains ';'")]
    [InlineData("$(id).src.rpm", "contains '$'")]
    [InlineData("`id`.src.rpm", "contains '`'")]
    [InlineData("x|y.src.rpm", "contains '|'")]
    [InlineData("x&y.src.rpm", "contains '&'")]
    [InlineData("x>y.src.rpm", "contains '>'")]
    [InlineData("x*.src.rpm", "contains '*'")]
    [InlineData("x'y.src.rpm", "contains '''")]
    [InlineData("x\\y.src.rpm", "contains '\\'")]
    [InlineData("x%{y}.src.rpm", "contains '%'")]
    [InlineData("x\ny.src.rpm", "contains control character U+000A")]
    [InlineData("x\ty.src.rpm", "contains control character U+0009")]
    [InlineData("x\0.src.rpm", "contains control character U+0000")]
    [InlineData("x\u2215y.src.rpm", "contains non-ASCII character U+2215")]
    [InlineData("f\u043eo-1.0-1.src.rpm", "contains non-ASCII character U+043E")]
    [InlineData("foo-1.0-1\u2024src.rpm", "contains non-ASCII character U+2024")]
    [InlineData("foo\u200b.src.rpm", "contains non-ASCII character U+200B")]
    [InlineData("foo\u202e.src.rpm", "contains non-ASCII character U+202E")]
    [InlineData("-rf.src.rpm", "starts with '-'")]
    [InlineData(".hidden.src.rpm", "starts with '.'")]
    [InlineData("foo-1.0-1.x86_64.rpm", "does not end with .src.rpm")]
    [InlineData("foo.SRC.RPM", "does not end with .src.rpm")]
    [InlineData("foo.src.rpm.sh", "does not end with .src.rpm")]
    [InlineData("", "SRPM file name is empty")]
    [InlineData(null, "SRPM file name is empty")]
    public void HostileSrpmFileNamesAreRefusedWithTheReason(string? name, string reason)
    {
        Assert.False(InputRules.TryValidateSrpmFileName(name, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void TheErrorShowsTheNameWithoutItsControlCharacters()
    {
        InputRules.TryValidateSrpmFileName("x\ny.src.rpm", out var error);

        Assert.Equal("SRPM file name 'x\\u{000A}y.src.rpm' contains control character U+000A; allowed are letters, digits and . _ + ~ ^ -", error);
    }

    [Fact]
    public void ATooLongFileNameIsRefusedWithItsLength()
    {
        Assert.False(InputRules.TryValidateSrpmFileName(TooLong, out var error));
        Assert.Contains("is 258 bytes long; the limit is 255", error, StringComparison.Ordinal);
        Assert.True(error.Length < 200, "the message should not repeat the whole name");
    }

    [Fact]
    public void AFileNameOfExactly255BytesPasses()
    {
        var name = new string('a', 255 - ".src.rpm".Length) + ".src.rpm";

        Assert.True(InputRules.TryValidateSrpmFileName(name, out var error), error);
    }

    [Fact]
    public void TheSuffixAloneIsNotAFileName()
    {
        // ".src.rpm" is caught as a hidden name first; "-.src.rpm" as an option.
        Assert.False(InputRules.TryValidateSrpmFileName(".src.rpm", out _));
        Assert.False(InputRules.TryValidateSrpmFileName("-.src.rpm", out _));
    }

    [Theory]
    [InlineData("x86_64")]
    [InlineData("i386")]
    [InlineData("i686")]
    [InlineData("noarch")]
    [InlineData("armhfp")]
    [InlineData("aarch64")]
    [InlineData("ppc64")]
    [InlineData("ppc64le")]
    [InlineData("ppc")]
    public void KnownArchesPass(string arch)
    {
        Assert.True(Arches.TryValidate(arch, out var error), error);
    }

    [Theory]
    [InlineData("X86_64")]
    [InlineData("x86-64")]
    [InlineData("armv7l")]
    [InlineData("src")]
    [InlineData("x86_64;id")]
    [InlineData("")]
    [InlineData(null)]
    public void UnknownArchesAreRefusedListingTheKnownOnes(string? arch)
    {
        Assert.False(Arches.TryValidate(arch, out var error));
        Assert.EndsWith("known arches: aarch64, armhfp, i386, i686, noarch, ppc, ppc64, ppc64le, x86_64", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("c7.1708.u")]
    [InlineData("c7.1708.u.x86_64")]
    [InlineData("epel7-testing")]
    [InlineData("c7_extras+plus")]
    public void GoodTargetsPass(string target)
    {
        Assert.True(InputRules.TryValidateTarget(target, out var error), error);
    }

    [Theory]
    [InlineData("", "target is empty")]
    [InlineData(null, "target is empty")]
    [InlineData("..", "contains '..'")]
    [InlineData("c7/../../etc", "contains '/'")]
    [InlineData("c7..u", "contains '..'")]
    [InlineData(".hidden", "starts with '.'")]
    [InlineData("-rf", "starts with '-'")]
    [InlineData("c7 u", "contains a space")]
    [InlineData("c7;id", "contains ';'")]
    [InlineData("c7\n", "contains control character U+000A")]
    [InlineData("c\u04377", "contains non-ASCII character U+0437")]
    public void HostileTargetsAreRefusedWithTheReason(string? target, string reason)
    {
        Assert.False(InputRules.TryValidateTarget(target, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(".el7")]
    [InlineData(".el7_4")]
    [InlineData(".el7.centos")]
    [InlineData(".fc27~pre+1")]
    public void GoodDisttagsPass(string disttag)
    {
        Assert.True(InputRules.TryValidateDisttag(disttag, out var error), error);
    }

    [Theory]
    [InlineData("", "disttag is empty")]
    [InlineData(null, "disttag is empty")]
    [InlineData(".el7 ", "contains a space")]
    [InlineData(".el7%{lua:os.execute('id')}", "contains '%'")]
    [InlineData(".el7^1", "contains '^'")]
    [InlineData(".el7/x", "contains '/'")]
    [InlineData(".el7\n", "contains control character U+000A")]
    [InlineData(".el7$(id)", "contains '$'")]
    public void HostileDisttagsAreRefusedWithTheReason(string? disttag, string reason)
    {
        Assert.False(InputRules.TryValidateDisttag(disttag, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("pkgname", "libstdc++")]
    [InlineData("pkgname", "python-backports_abc")]
    [InlineData("evr", "1.0~rc1^git2-1.el7_4")]
    [InlineData("evr", "3.10.0-693.el7")]
    [InlineData("timestamp", "20171102153000")]
    public void GoodPathComponentsPass(string what, string value)
    {
        Assert.True(InputRules.TryValidatePathComponent(what, value, out var error), error);
    }

    [Theory]
    [InlineData("pkgname", "", "pkgname is empty")]
    [InlineData("pkgname", null, "pkgname is empty")]
    [InlineData("pkgname", ".", "pkgname '.' is not allowed")]
    [InlineData("pkgname", "..", "pkgname '..' is not allowed")]
    [InlineData("pkgname", ".repodata", "pkgname '.repodata' starts with '.'")]
    [InlineData("pkgname", "../../etc", "pkgname '../../etc' contains '/'")]
    [InlineData("evr", "1.0/../../x", "evr '1.0/../../x' contains '/'")]
    [InlineData("evr", "1.0 -1", "contains a space")]
    [InlineData("timestamp", "2017\n", "contains control character U+000A")]
    [InlineData("pkgname", "f\u043eo", "contains non-ASCII character U+043E")]
    [InlineData("pkgname", "foo:bar", "contains ':'")]
    public void HostilePathComponentsAreRefusedNamingWhatWasWrong(string what, string? value, string reason)
    {
        Assert.False(InputRules.TryValidatePathComponent(what, value, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void AVeryLongPathComponentIsRefused()
    {
        Assert.False(InputRules.TryValidatePathComponent("pkgname", new string('p', 10_000), out var error));
        Assert.Contains("is 10000 bytes long; the limit is 255", error, StringComparison.Ordinal);
    }
}
