using Reimzul.Messages;
using Reimzul.Submit;
using Reimzul.Validation;

namespace Reimzul.Tests.Submit;

[Collection(SubmitCollection.Name)]
public sealed class LocalSubmitterFacts(SubmitSrpms srpms) : IDisposable
{
    private readonly SubmitSite site = new();

    public void Dispose() => site.Dispose();

    private LocalSubmitter Submitter => new(site.Core, "alice");

    private static SubmitOrder Order(string srpm, string arch = "x86_64") => new(srpm, arch, "c7", ".el7", Scratch: false, Now: false);

    [Fact]
    public async Task ALocalFileIsCopiedIntoIncomingAndQueuedUnderItsName()
    {
        var receipt = await Submitter.SubmitAsync(Order(srpms.Srpm), CancellationToken.None);

        Assert.Equal([srpms.Name], site.IncomingFiles());
        Assert.Equal(File.ReadAllBytes(srpms.Srpm), File.ReadAllBytes(Path.Combine(site.Incoming, srpms.Name)));
        var job = Assert.Single(await site.TakeQueuedAsync());
        Assert.Equal((srpms.Name, "alice", "c7.x86_64"), (SubmitSite.Parse(job).Srpm, SubmitSite.Parse(job).Submitter, SubmitSite.Parse(job).Target));
        Assert.Equal((job.Id, srpms.Name, "alice"), (receipt.JobId, receipt.Srpm, receipt.Submitter));
    }

    [Fact]
    public async Task TheSameFileSubmittedAgainIsQueuedAgainAndIncomingKeepsOneCopy()
    {
        await Submitter.SubmitAsync(Order(srpms.Srpm), CancellationToken.None);
        await Submitter.SubmitAsync(Order(srpms.Srpm, "noarch"), CancellationToken.None);

        Assert.Equal([srpms.Name], site.IncomingFiles());
        Assert.Equal(["noarch", "x86_64"], (await site.TakeQueuedAsync()).Select(j => j.Tube).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task ANameAlreadyInIncomingIsSubmittedAsItIs()
    {
        site.PutInIncoming(srpms.Srpm);

        var receipt = await Submitter.SubmitAsync(Order(srpms.Name), CancellationToken.None);

        Assert.Equal(srpms.Name, receipt.Srpm);
        Assert.Equal([srpms.Name], site.IncomingFiles());
        Assert.Single(await site.TakeQueuedAsync());
    }

    [Fact]
    public async Task ADifferentSrpmOfTheSameNameInIncomingIsRefusedAndKept()
    {
        site.PutInIncoming(srpms.SameNameOtherContent);
        var final = Path.Combine(site.Incoming, srpms.Name);

        var error = await RefusedAsync(Order(srpms.Srpm));

        Assert.Equal($"the incoming dir already holds a different SRPM named '{srpms.Name}'; rebuild it with a new release, or remove {final}", error.Message);
        Assert.Equal(File.ReadAllBytes(srpms.SameNameOtherContent), File.ReadAllBytes(final));
        Assert.Equal([srpms.Name], site.IncomingFiles());
        Assert.Empty(await site.TakeQueuedAsync());
    }

    [Fact]
    public async Task AMissingLocalFileIsRefused()
    {
        var path = site.Temp("elsewhere", "nothere-1.0-1.src.rpm");

        var error = await RefusedAsync(Order(path));

        Assert.Equal($"SRPM file '{path}' does not exist", error.Message);
        Assert.Empty(site.IncomingFiles());
        Assert.Empty(await site.TakeQueuedAsync());
    }

    [Fact]
    public async Task ALocalFileThatIsNotAnRpmIsRefusedAndNotCopied()
    {
        var path = site.Temp("notes-1.0-1.src.rpm");
        await File.WriteAllTextAsync(path, "just text\n");

        var error = await RefusedAsync(Order(path));

        Assert.Equal($"'{path}' is not a usable source RPM: {path}: not an RPM file (bad lead magic)", error.Message);
        Assert.Empty(site.IncomingFiles());
        Assert.Empty(await site.TakeQueuedAsync());
    }

    [Fact]
    public async Task ALocalFileWithABadNameIsRefusedWithTheNameRule()
    {
        var path = site.Temp("has space-1.0-1.src.rpm");
        File.Copy(srpms.Srpm, path);
        Assert.False(InputRules.TryValidateSrpmFileName("has space-1.0-1.src.rpm", out var expected));

        var error = await RefusedAsync(Order(path));

        Assert.Equal(expected, error.Message);
        Assert.Empty(site.IncomingFiles());
    }

    [Fact]
    public async Task ABadOrderForAGoodLocalFileLeavesNothingInIncoming()
    {
        Assert.False(Arches.TryValidate("sparc", out var expected));

        var error = await RefusedAsync(Order(srpms.Srpm, "sparc"));

        Assert.Equal(expected, error.Message);
        Assert.Empty(site.IncomingFiles());
        Assert.Empty(await site.TakeQueuedAsync());
    }

    private Task<SubmitRefusedException> RefusedAsync(SubmitOrder order) =>
        Assert.ThrowsAsync<SubmitRefusedException>(() => Submitter.SubmitAsync(order, CancellationToken.None));
}
