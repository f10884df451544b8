using Reimzul.Config;

namespace Reimzul.Tests.Config;

public sealed class RsyncModuleUrlTests
{
    [Theory]
    [InlineData("rsync://bstore/reimzul-bstore", "rsync://bstore:11874/reimzul-bstore")]
    [InlineData("rsync://bstore:873/reimzul-bstore/", "rsync://bstore:873/reimzul-bstore")]
    [InlineData("RSYNC://bstore.example.org/m/centos/7", "rsync://bstore.example.org:11874/m/centos/7")]
    [InlineData("rsync://builder_1@10.0.0.5/m", "rsync://builder_1@10.0.0.5:11874/m")]
    [InlineData("rsync://[::1]:8873/m", "rsync://[::1]:8873/m")]
    public void AUsableUrlIsNormalisedWithAnExplicitPort(string url, string expected)
    {
        Assert.Equal(expected, RsyncModuleUrl.Normalize(url));
    }

    [Theory]
    [InlineData("")]
    [InlineData("bstore::reimzul-bstore")]
    [InlineData("rsync://")]
    [InlineData("rsync:///m")]
    [InlineData("rsync://bstore/")]
    [InlineData("rsync://bstore:99999/m")]
    [InlineData("rsync://bstore:/m")]
    [InlineData("rsync://bstore:12ab/m")]
    [InlineData("rsync://@bstore/m")]
    [InlineData("rsync://us er@bstore/m")]
    [InlineData("rsync://-e/m")]
    [InlineData("rsync://[::1/m")]
    [InlineData("rsync://bstore/m//x")]
    [InlineData("rsync://bstore/m/./x")]
    [InlineData("rsync://bstore/m/*")]
    [InlineData("rsync://bstore/m x")]
    [InlineData("rsync://bstore/m\nx")]
    public void AnUnusableUrlIsRefusedWithAReason(string url)
    {
        Assert.NotNull(RsyncModuleUrl.Problem(url));
        Assert.Throws<ArgumentException>(() => RsyncModuleUrl.Normalize(url));
    }
}
