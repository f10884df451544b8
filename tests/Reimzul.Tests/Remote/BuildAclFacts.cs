using Reimzul.Authorization;

namespace Reimzul.Tests.Remote;

public sealed class BuildAclFacts
{
    private static readonly BuildAcl Acl = BuildAcl.Parse(new Dictionary<string, string>
    {
        ["alice"] = "x86_64,i386 c7-*",
        ["bob"] = "* * scratch",
        ["builders"] = "aarch64 c7.1708.u",
    });

    [Theory]
    [InlineData("alice", "x86_64", "c7-extras", false, null)]
    [InlineData("alice", "i386", "c7-extras", true, null)]
    [InlineData("alice", "aarch64", "c7-extras", false, "may not build arch aarch64")]
    [InlineData("alice", "x86_64", "c8-extras", false, "may not build for target c8-extras")]
    [InlineData("bob", "ppc64le", "anything", true, null)]
    [InlineData("bob", "ppc64le", "anything", false, "may only build scratch builds")]
    [InlineData("mallory", "x86_64", "c7-extras", true, "'mallory' is not in the build ACL")]
    [InlineData("builders", "aarch64", "c7.1708.u", false, null)]
    [InlineData("builders", "aarch64", "c7x1708xu", false, "may not build for target")]
    public void TheAclAllowsExactlyWhatItsLinesSay(string who, string arch, string target, bool scratch, string? refusal)
    {
        var why = Acl.WhyNot(who, arch, target, scratch);

        if (refusal is null)
        {
            Assert.Null(why);
        }
        else
        {
            Assert.NotNull(why);
            Assert.Contains(refusal, why, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void AStarLineSaysWhatEveryOtherNameMayBuild()
    {
        var acl = BuildAcl.Parse(new Dictionary<string, string> { ["alice"] = "* *", ["*"] = "x86_64 * scratch" });

        Assert.Null(acl.WhyNot("alice", "aarch64", "c7", scratch: false));
        Assert.Null(acl.WhyNot("anyone", "x86_64", "c7", scratch: true));
        Assert.Contains("may only build scratch", acl.WhyNot("anyone", "x86_64", "c7", scratch: false), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("x86_64", "is not ARCHES TARGETS [scratch]")]
    [InlineData("x86_64 c7 scratch extra", "is not ARCHES TARGETS [scratch]")]
    [InlineData("x86_64 c7 nonscratch", "is not ARCHES TARGETS [scratch]")]
    [InlineData("x86_64 c7;rm", "may hold only letters")]
    [InlineData("x86_64,$(id) c7", "may hold only letters")]
    public void AWrongLineIsRefusedWithWhatItShouldLookLike(string value, string expected)
    {
        var error = Assert.Throws<FormatException>(() => BuildAcl.Parse(new Dictionary<string, string> { ["alice"] = value }));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("c7-*", "c7-extras", true)]
    [InlineData("c7-*", "c7-", true)]
    [InlineData("c7-*", "c8-extras", false)]
    [InlineData("c?.1708.u", "c7.1708.u", true)]
    [InlineData("*.u", "c7.1708.u", true)]
    [InlineData("*.u", "c7.1708.ux", false)]
    [InlineData("x86_64", "x86_64x", false)]
    [InlineData("*", "", true)]
    public void GlobsMatchTheWholeName(string glob, string value, bool matches) => Assert.Equal(matches, Glob.Matches(glob, value));
}
