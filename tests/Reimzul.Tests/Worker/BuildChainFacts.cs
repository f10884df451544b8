using Reimzul.Worker;

namespace Reimzul.Tests.Worker;

public sealed class BuildChainFacts
{
    [Theory]
    [InlineData("x86_64", "x86_64", "bash", "x86_64", "x86_64 i386")]
    [InlineData("ppc64", "ppc64", "bash", "ppc64", "ppc64 ppc")]
    [InlineData("aarch64", "aarch64", "bash", "aarch64", "aarch64")]
    [InlineData("armhfp", "armv7l", "bash", "armv7hl", "armhfp")]
    [InlineData("i386", "x86_64", "bash", "i686", "i386")]
    [InlineData("noarch", "x86_64", "python-six", "noarch", "noarch")]
    [InlineData("x86_64", "x86_64", "kernel", "x86_64", "x86_64 i386 noarch")]
    [InlineData("x86_64", "x86_64", "kernel-plus", "x86_64", "x86_64 i386 noarch")]
    [InlineData("aarch64", "aarch64", "kernel", "aarch64", "aarch64")]
    [InlineData("ppc64", "ppc64", "kernel", "ppc64", "ppc64 ppc")]
    [InlineData("i386", "x86_64", "kernel", "i686", "i386 noarch")]
    public void TheChainFollowsTheOriginalRules(string requested, string builder, string pkg, string srpmArch, string expected) =>
        Assert.Equal(expected.Split(' '), BuildChain.Plan(requested, builder, pkg, srpmArch));

    [Fact]
    public void ANoarchPackageSubmittedForX86GetsNoChainedBuildThatWouldDuplicateItsRpms() =>
        Assert.Equal(["x86_64"], BuildChain.Plan("x86_64", "x86_64", "python-six", "noarch"));
}
