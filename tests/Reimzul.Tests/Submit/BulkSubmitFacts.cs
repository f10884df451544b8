using Reimzul.Messages;
using Reimzul.Submit;

namespace Reimzul.Tests.Submit;

[Collection(SubmitCollection.Name)]
public sealed class BulkSubmitFacts(SubmitSrpms srpms) : IDisposable
{
    private readonly SubmitSite site = new();

    public void Dispose() => site.Dispose();

    private static SubmitOrder Order(string srpm, bool background = false) => new(srpm, "x86_64", "c7", ".el7", Scratch: false, Now: false, Background: background);

    /// <summary>Local copies of the test SRPM under <paramref name="count"/> names, in a dir of their own.</summary>
    private string LocalSrpms(int count, string prefix = "bulk")
    {
        var dir = Directory.CreateDirectory(site.Temp("local-" + prefix)).FullName;
        for (var i = 0; i < count; i++)
        {
            File.Copy(srpms.Srpm, Path.Combine(dir, $"{prefix}{i:D3}-1.0-1.src.rpm"));
        }
        return dir;
    }

    [Fact]
    public async Task ManySrpmsInIncomingAreQueuedAtOnceWithTheirReceiptsInOrder()
    {
        var names = Enumerable.Range(0, 5).Select(i => site.PutInIncoming(srpms.Srpm, $"many{i}-1.0-1.src.rpm")).ToList();

        var receipts = await site.Core.SubmitManyAsync([.. names.Select(n => Order(n))], "alice", null, CancellationToken.None);

        Assert.Equal(names, receipts.Select(r => r.Srpm));
        var jobs = await site.TakeQueuedAsync();
        Assert.Equal(names, jobs.Select(j => SubmitSite.Parse(j).Srpm));
        Assert.Equal(receipts.Select(r => r.JobId), jobs.Select(j => j.Id));
        Assert.All(jobs, j => Assert.Equal(("alice", "c7.x86_64"), (SubmitSite.Parse(j).Submitter, SubmitSite.Parse(j).Target)));
    }

    [Fact]
    public async Task OneMissingAndOneBrokenSrpmRefuseTheWholeBulkNamingBothAndNothingIsQueued()
    {
        var good = site.PutInIncoming(srpms.Srpm, "good-1.0-1.src.rpm");
        Directory.CreateDirectory(site.Incoming);
        await File.WriteAllTextAsync(Path.Combine(site.Incoming, "broken-1.0-1.src.rpm"), "not an rpm");

        var error = await Assert.ThrowsAsync<SubmitRefusedException>(() => site.Core.SubmitManyAsync(
            [Order(good), Order("missing-1.0-1.src.rpm"), Order("broken-1.0-1.src.rpm")], "alice", null, CancellationToken.None));

        Assert.StartsWith("nothing was queued: 2 of 3 SRPMs cannot be submitted:", error.Message, StringComparison.Ordinal);
        Assert.Contains("SRPM 'missing-1.0-1.src.rpm' is not in the incoming dir", error.Message, StringComparison.Ordinal);
        Assert.Contains("'broken-1.0-1.src.rpm' is not a usable source RPM", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("good-1.0-1.src.rpm", error.Message, StringComparison.Ordinal);
        Assert.Empty(await site.TakeQueuedAsync());
    }

    [Fact]
    public async Task TheSameSrpmTwiceInOneBulkIsRefused()
    {
        var name = site.PutInIncoming(srpms.Srpm);

        var error = await Assert.ThrowsAsync<SubmitRefusedException>(() => site.Core.SubmitManyAsync([Order(name), Order(name)], "alice", null, CancellationToken.None));

        Assert.Contains($"SRPM '{name}' is given twice", error.Message, StringComparison.Ordinal);
        Assert.Empty(await site.TakeQueuedAsync());
    }

    [Fact]
    public async Task ADirectoryOfLocalSrpmsIsCopiedAndQueuedInNameOrder()
    {
        var dir = LocalSrpms(3);

        var receipts = await new LocalSubmitter(site.Core, "alice").SubmitManyAsync(
            [.. SrpmLists.Expand([dir], []).Select(s => Order(s))], CancellationToken.None);

        string[] expected = ["bulk000-1.0-1.src.rpm", "bulk001-1.0-1.src.rpm", "bulk002-1.0-1.src.rpm"];
        Assert.Equal(expected, receipts.Select(r => r.Srpm));
        Assert.Equal(expected, site.IncomingFiles().Where(f => !f.StartsWith('.')));
        Assert.Equal(expected, (await site.TakeQueuedAsync()).Select(j => SubmitSite.Parse(j).Srpm));
    }

    [Fact]
    public async Task ALocalBulkWithAFileThatIsNoSrpmCopiesNothingIntoIncoming()
    {
        var dir = LocalSrpms(2);
        var bad = Path.Combine(dir, "bad-1.0-1.src.rpm");
        await File.WriteAllTextAsync(bad, "junk");

        var error = await Assert.ThrowsAsync<SubmitRefusedException>(() => new LocalSubmitter(site.Core, "alice").SubmitManyAsync(
            [.. SrpmLists.Expand([dir], []).Select(s => Order(s))], CancellationToken.None));

        Assert.Contains($"'{bad}' is not a usable source RPM", error.Message, StringComparison.Ordinal);
        Assert.Empty(site.IncomingFiles());
        Assert.Empty(await site.TakeQueuedAsync());
    }

    [Fact]
    public void AListFileNamesOneSrpmPerLineSkippingCommentsAndBlankLines()
    {
        var list = site.Temp("list.txt");
        File.WriteAllText(list, "# a mass rebuild\n\n  a-1.0-1.src.rpm  \n./b-1.0-1.src.rpm\n");

        Assert.Equal(["x-1.0-1.src.rpm", "a-1.0-1.src.rpm", "./b-1.0-1.src.rpm"], SrpmLists.Expand(["x-1.0-1.src.rpm"], [list]));
    }

    [Fact]
    public void AMissingListAnEmptyDirectoryAndNothingAtAllAreRefusedSayingWhy()
    {
        var empty = Directory.CreateDirectory(site.Temp("empty")).FullName;

        Assert.StartsWith($"SRPM list '{site.Temp("nolist")}' cannot be read:", Assert.Throws<SubmitRefusedException>(() => SrpmLists.Expand([], [site.Temp("nolist")])).Message, StringComparison.Ordinal);
        Assert.Equal($"directory '{empty}' holds no *.src.rpm", Assert.Throws<SubmitRefusedException>(() => SrpmLists.Expand([empty], [])).Message);
        Assert.StartsWith("no SRPM given", Assert.Throws<SubmitRefusedException>(() => SrpmLists.Expand([], [])).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ABackgroundBuildWaitsBehindAnOrdinaryOneQueuedAfterIt()
    {
        var names = Enumerable.Range(0, 30).Select(i => site.PutInIncoming(srpms.Srpm, $"mass{i}-1.0-1.src.rpm")).ToList();
        var ordinary = site.PutInIncoming(srpms.Srpm, "single-1.0-1.src.rpm");

        var background = await site.Core.SubmitManyAsync([.. names.Select(n => Order(n, background: true))], "alice", null, CancellationToken.None);
        var single = await site.Core.SubmitAsync(Order(ordinary), "bob", CancellationToken.None);

        Assert.All(background, r => Assert.True(r.Priority >= Tubes.PriorityBackground));
        Assert.Equal(Tubes.PriorityNormal, single.Priority);
        var order = (await site.TakeQueuedAsync()).Select(j => SubmitSite.Parse(j).Srpm).ToList();
        Assert.Equal(ordinary, order[0]);
        Assert.Equal(names, order.Skip(1));
    }
}
