using Reimzul.Messages;
using Reimzul.Queue.Embedded;
using Reimzul.Submit;
using Reimzul.Validation;

namespace Reimzul.Tests.Submit;

[Collection(SubmitCollection.Name)]
public sealed class BuildSubmitterFacts(SubmitSrpms srpms) : IDisposable
{
    private readonly SubmitSite site = new();

    public void Dispose() => site.Dispose();

    [Fact]
    public async Task AnSrpmInIncomingIsQueuedAsTheOriginalsJobWithTheOrdinaryPriority()
    {
        var name = site.PutInIncoming(srpms.Srpm);

        var receipt = await site.Core.SubmitAsync(new SubmitOrder(name, "x86_64", "c7.1708.u", ".el7_4", Scratch: true, Now: false), "alice", CancellationToken.None);

        var job = Assert.Single(await site.TakeQueuedAsync());
        Assert.Equal(("x86_64", Tubes.PriorityNormal, receipt.JobId), (job.Tube, job.Priority, job.Id));
        Assert.Equal(new BuildJob
        {
            Srpm = name,
            Arch = "x86_64",
            Target = "c7.1708.u.x86_64",
            Disttag = ".el7_4",
            Scratch = true,
            Submitter = "alice",
            BuildId = receipt.BuildId,
        }, SubmitSite.Parse(job));
        Assert.Matches("^[0-9a-f]{32}$", receipt.BuildId);
        Assert.Equal(new SubmitReceipt(job.Id, receipt.BuildId, "x86_64", Tubes.PriorityNormal, name, "c7.1708.u.x86_64", true, "alice"), receipt);
    }

    [Fact]
    public async Task ANowSubmitGetsThePriorityThatRunsFirst()
    {
        var name = site.PutInIncoming(srpms.Srpm);

        var receipt = await site.Core.SubmitAsync(new SubmitOrder(name, "noarch", "c7", ".el7", Scratch: false, Now: true), "alice", CancellationToken.None);

        var job = Assert.Single(await site.TakeQueuedAsync());
        Assert.Equal((Tubes.PriorityNow, Tubes.PriorityNow), (job.Priority, receipt.Priority));
        Assert.False(SubmitSite.Parse(job).Scratch);
    }

    [Theory]
    [InlineData("x86_64", "x86_64")]
    [InlineData("i686", "i386")]
    [InlineData("i386", "i386")]
    [InlineData("armhfp", "armv7l")]
    [InlineData("ppc64le", "ppc64le")]
    [InlineData("noarch", "noarch")]
    public async Task TheJobGoesToTheTubeOfTheRequestedArchAndKeepsTheArchInItsTarget(string arch, string tube)
    {
        var name = site.PutInIncoming(srpms.Srpm);

        var receipt = await site.Core.SubmitAsync(new SubmitOrder(name, arch, "c7", ".el7", Scratch: false, Now: false), "alice", CancellationToken.None);

        var job = Assert.Single(await site.TakeQueuedAsync());
        var parsed = SubmitSite.Parse(job);
        Assert.Equal((tube, tube), (job.Tube, receipt.Tube));
        Assert.Equal((arch, "c7." + arch), (parsed.Arch, parsed.Target));
    }

    [Fact]
    public async Task EachSubmitIsItsOwnJobWithItsOwnBuildId()
    {
        var name = site.PutInIncoming(srpms.Srpm);
        var order = new SubmitOrder(name, "noarch", "c7", ".el7", Scratch: false, Now: false);

        var first = await site.Core.SubmitAsync(order, "alice", CancellationToken.None);
        var second = await site.Core.SubmitAsync(order, "alice", CancellationToken.None);

        Assert.Equal(2, (await site.TakeQueuedAsync()).Count);
        Assert.NotEqual(first.JobId, second.JobId);
        Assert.NotEqual(first.BuildId, second.BuildId);
    }

    [Fact]
    public async Task RefusalsSayWhatTheReadmeSays()
    {
        var name = site.PutInIncoming(srpms.Srpm);

        var arch = await RefusedAsync(new SubmitOrder(name, "sparc", "demo", ".el7", false, false));
        var srpm = await RefusedAsync(new SubmitOrder("x;rm -rf ~.src.rpm", "x86_64", "demo", ".el7", false, false));

        Assert.Equal("unknown arch 'sparc'; known arches: aarch64, armhfp, i386, i686, noarch, ppc, ppc64, ppc64le, x86_64", arch.Message);
        Assert.Equal("SRPM file name 'x;rm -rf ~.src.rpm' contains ';'; allowed are letters, digits and . _ + ~ ^ -", srpm.Message);
        Assert.Empty(await site.TakeQueuedAsync());
    }

    public static TheoryData<string, string, string, string> BadOrders => new()
    {
        // srpm ("GOOD": the one in incoming), arch, target, disttag
        { "GOOD", "sparc", "c7", ".el7" },
        { "GOOD", "", "c7", ".el7" },
        { "GOOD", "x86_64", "", ".el7" },
        { "GOOD", "x86_64", "c7/../../etc", ".el7" },
        { "GOOD", "x86_64", "c7;reboot", ".el7" },
        { "GOOD", "x86_64", "c7", "" },
        { "GOOD", "x86_64", "c7", ".el7 $(id)" },
        { "./subhello-1.0-1.src.rpm", "x86_64", "c7", ".el7" },
        { "../escape-1.0-1.src.rpm", "x86_64", "c7", ".el7" },
        { "has space-1.0-1.src.rpm", "x86_64", "c7", ".el7" },
        { "$(reboot)-1.0-1.src.rpm", "x86_64", "c7", ".el7" },
        { "subhello-1.0-1.rpm", "x86_64", "c7", ".el7" },
        { "", "x86_64", "c7", ".el7" },
    };

    [Theory]
    [MemberData(nameof(BadOrders))]
    public async Task ABadOrderIsRefusedWithTheRulesMessageAndNothingIsQueued(string srpm, string arch, string target, string disttag)
    {
        var name = site.PutInIncoming(srpms.Srpm);
        srpm = srpm == "GOOD" ? name : srpm;
        var expected = !Arches.TryValidate(arch, out var message)
            || !InputRules.TryValidateTarget(target, out message)
            || !InputRules.TryValidateDisttag(disttag, out message)
            || !InputRules.TryValidateSrpmFileName(srpm, out message)
            ? message
            : throw new InvalidOperationException("the case is valid");

        var error = await RefusedAsync(new SubmitOrder(srpm, arch, target, disttag, false, false));

        Assert.Equal(expected, error.Message);
        Assert.Empty(await site.TakeQueuedAsync());
    }

    [Fact]
    public async Task AnSrpmThatIsNotInIncomingIsRefusedWithHowToUploadIt()
    {
        var error = await RefusedAsync(new SubmitOrder("nothere-1.0-1.src.rpm", "x86_64", "c7", ".el7", false, false));

        Assert.Equal($"SRPM 'nothere-1.0-1.src.rpm' is not in the incoming dir {site.Incoming} (give a path, e.g. ./nothere-1.0-1.src.rpm, to upload a local file)", error.Message);
        Assert.Empty(await site.TakeQueuedAsync());
    }

    [Fact]
    public async Task AFileInIncomingThatIsNotAnRpmIsRefused()
    {
        Directory.CreateDirectory(site.Incoming);
        var path = Path.Combine(site.Incoming, "notes-1.0-1.src.rpm");
        await File.WriteAllTextAsync(path, "just text\n");

        var error = await RefusedAsync(new SubmitOrder("notes-1.0-1.src.rpm", "x86_64", "c7", ".el7", false, false));

        Assert.Equal($"'notes-1.0-1.src.rpm' is not a usable source RPM: {path}: not an RPM file (bad lead magic)", error.Message);
        Assert.Empty(await site.TakeQueuedAsync());
    }

    [Fact]
    public async Task AQueueThatCannotBeOpenedIsUnavailableNotARefusal()
    {
        var name = site.PutInIncoming(srpms.Srpm);
        // The queue's directory would have to be where a regular file is.
        var notADirectory = site.Temp("not-a-dir");
        await File.WriteAllTextAsync(notADirectory, "");
        var broken = new BuildSubmitter(site.Incoming, new EmbeddedJobQueueFactory(Path.Combine(notADirectory, "queue.db")), SubmitSite.Ttr);

        var error = await Assert.ThrowsAsync<SubmitUnavailableException>(() =>
            broken.SubmitAsync(new SubmitOrder(name, "x86_64", "c7", ".el7", false, false), "alice", CancellationToken.None));

        Assert.StartsWith("the build queue is unavailable: ", error.Message, StringComparison.Ordinal);
        Assert.NotNull(error.InnerException);
    }

    private Task<SubmitRefusedException> RefusedAsync(SubmitOrder order) =>
        Assert.ThrowsAsync<SubmitRefusedException>(() => site.Core.SubmitAsync(order, "alice", CancellationToken.None));
}
