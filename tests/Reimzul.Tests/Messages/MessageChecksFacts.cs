using Reimzul.Messages;

namespace Reimzul.Tests.Messages;

public sealed class MessageChecksFacts
{
    private static string Job(string arch, string target = "c7.1708.u.x86_64") =>
        $$"""{"srpm": "hello-1.0-1.src.rpm", "arch": "{{arch}}", "target": "{{target}}", "disttag": ".el7", "scratch": false, "submitter": "jdoe"}""";

    [Theory]
    [InlineData("x86_64", "x86_64")]
    [InlineData("i386", "i386")]
    [InlineData("i386", "i686")]
    [InlineData("armv7l", "armhfp")]
    [InlineData("ppc64", "ppc64")]
    [InlineData("ppc", "ppc")]
    [InlineData("noarch", "noarch")]
    public void ABuildJobIsReadFromTheTubeItsArchRoutesTo(string tube, string arch)
    {
        Assert.True(MessageChecks.TryReadBuildJob(tube, Job(arch), out var job, out var error), error);
        Assert.Equal(arch, job.Arch);
        Assert.Null(MessageChecks.Problem(tube, Job(arch)));
    }

    [Theory]
    [InlineData("x86_64", "ppc64", "ppc64")]
    [InlineData("x86_64", "i386", "i386")]
    [InlineData("i386", "x86_64", "x86_64")]
    [InlineData("ppc64", "ppc", "ppc")]
    [InlineData("x86_64", "armhfp", "armv7l")]
    [InlineData("noarch", "i686", "i386")]
    public void ABuildJobOnATubeItsArchDoesNotBelongToIsRefusedSayingWhichTubeItBelongsTo(string tube, string arch, string expectedTube)
    {
        Assert.False(MessageChecks.TryReadBuildJob(tube, Job(arch), out _, out var error));

        Assert.Equal($"arch '{arch}' does not belong on tube '{tube}': it is built from tube {expectedTube}", error);
        Assert.Equal(error, MessageChecks.Problem(tube, Job(arch)));
    }
}
