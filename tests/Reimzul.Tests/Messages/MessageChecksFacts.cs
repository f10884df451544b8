using System.Text.Json.Nodes;
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

    // As the original's reimzul_worker.py put it: no build_id.
    private const string OriginalEvent =
        """{"srpm": "legacy-1.0-1.src.rpm", "arch": "x86_64", "target": "c7.x86_64", "disttag": ".el7", "scratch": false, "submitter": "jdoe", "status": "Success", "builder_fqdn": "b1.example.org", "evr": "1.0-1", "pkgname": "legacy", "timestamp": "20171123154602"}""";

    private static string EventWith(string field, string value)
    {
        var node = JsonNode.Parse(OriginalEvent)!.AsObject();
        node[field] = value;
        return node.ToJsonString();
    }

    [Fact]
    public void AnEventPutByTheOriginalsWorkerIsRead()
    {
        Assert.True(MessageChecks.TryReadBuildEvent(OriginalEvent, out var ev, out var error), error);
        Assert.Equal(("legacy", "1.0-1", "Success", null), (ev.PkgName, ev.Evr, ev.Status, ev.BuildId));
        Assert.Null(MessageChecks.Problem(Tubes.Notify, OriginalEvent));
    }

    [Fact]
    public void TheWorkersFailedEventForAnSrpmItCouldNotReadIsRead()
    {
        var body = MessageJson.Serialize(new BuildEvent
        {
            Srpm = "fake-1.0-1.src.rpm", Arch = "noarch", Target = "c7.fake-test.noarch", Disttag = ".el7", Submitter = "someone",
            BuildId = "0123abcd", Status = BuildStatus.Failed, BuilderFqdn = "b1", PkgName = "fake-1.0-1", Evr = "",
            Timestamp = "20261201101500", Reason = "SRPM fake-1.0-1.src.rpm cannot be built: not an RPM",
        });

        Assert.True(MessageChecks.TryReadBuildEvent(body, out var ev, out var error), error);
        Assert.Equal("", ev.Evr);
    }

    [Theory]
    [InlineData("i386")]
    [InlineData("ppc")]
    [InlineData("noarch")]
    [InlineData("armhfp")]
    public void AnEventOfAChainedOrRequestedArchIsRead(string arch) =>
        Assert.True(MessageChecks.TryReadBuildEvent(EventWith("arch", arch), out _, out var error), error);

    [Theory]
    [InlineData("target", "../../etc", "target '../../etc' contains '/'")]
    [InlineData("target", "c7..x86_64", "target 'c7..x86_64' contains '..'")]
    [InlineData("pkgname", "../../etc/passwd", "pkgname '../../etc/passwd' contains '/'")]
    [InlineData("pkgname", "..", "pkgname '..' is not allowed")]
    [InlineData("evr", "../1.0-1", "evr '../1.0-1' contains '/'")]
    [InlineData("srpm", "../legacy-1.0-1.src.rpm", "SRPM file name '../legacy-1.0-1.src.rpm' contains '/'")]
    [InlineData("status", "Pwned", "status 'Pwned' is not an event status; events carry Building, Success, Failed, Canceled")]
    [InlineData("status", "Done", "status 'Done' is not an event status")]
    [InlineData("status", "success", "status 'success' is not an event status")]
    [InlineData("timestamp", "2017112315460", "timestamp '2017112315460' is not a time as %Y%m%d%H%M%S")]
    [InlineData("timestamp", "20171323154602", "timestamp '20171323154602' is not a time")]
    [InlineData("timestamp", "2017-11-23T15:4", "timestamp '2017-11-23T15:4' is not a time")]
    [InlineData("timestamp", "2017112315460２", "is not a time")]
    [InlineData("arch", "sparc64", "unknown arch 'sparc64'")]
    [InlineData("disttag", ".el7 --define x", "disttag '.el7 --define x' contains a space")]
    public void AnEventWithAFieldTheWorkerWouldNotWriteIsRefusedSayingWhich(string field, string value, string expected)
    {
        var body = EventWith(field, value);

        Assert.False(MessageChecks.TryReadBuildEvent(body, out _, out var error));

        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.Equal(error, MessageChecks.Problem(Tubes.Notify, body));
    }
}
