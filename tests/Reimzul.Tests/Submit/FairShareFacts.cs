using Reimzul.Messages;
using Reimzul.Queue;
using Reimzul.Queue.Beanstalk;
using Reimzul.Submit;
using Reimzul.Tests.Support;

namespace Reimzul.Tests.Submit;

/// <summary>
/// Fair share between submitters of one priority, on both queue backends: A queues 300 builds, the builders take a few,
/// then B queues 10; taking the jobs as the builders do (lowest priority, then oldest), all of B's come before A's 60th.
/// </summary>
[Collection(SubmitCollection.Name)]
public sealed class FairShareFacts(SubmitSrpms srpms, BeanstalkdServer beanstalkd) : IClassFixture<BeanstalkdServer>, IDisposable
{
    private readonly SubmitSite site = new();

    public void Dispose() => site.Dispose();

    private static SubmitOrder Order(string srpm, bool background) => new(srpm, "noarch", "fair", ".el7", Scratch: false, Now: false, Background: background);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public Task OnTheEmbeddedQueueALaterSubmitterIsServedAlongsideTheFirstsBacklog(bool background) =>
        AllOfBsBeforeAsSixtiethAsync(site.Queues, site.Core, background);

    [Fact]
    public async Task OnBeanstalkdALaterSubmitterIsServedAlongsideTheFirstsBacklog()
    {
        var queues = new BeanstalkdJobQueueFactory(beanstalkd.Options);
        var core = new BuildSubmitter(site.Incoming, queues, SubmitSite.Ttr, fairShareDir: site.Temp("fair-share-beanstalkd"));
        await AllOfBsBeforeAsSixtiethAsync(queues, core, background: false);
    }

    [Fact]
    public async Task WithNothingQueuedABuildGetsTheOriginalsOrdinaryPriority()
    {
        var a = site.PutInIncoming(srpms.Srpm, "first-1.0-1.src.rpm");
        var b = site.PutInIncoming(srpms.Srpm, "second-1.0-1.src.rpm");

        var first = await site.Core.SubmitAsync(Order(a, false), "alice", CancellationToken.None);
        await using (var builder = await site.Queues.OpenConsumerAsync())
        {
            var built = await builder.ReserveAsync(["noarch"], TimeSpan.Zero);
            await built!.DeleteAsync();
        }
        var second = await site.Core.SubmitAsync(Order(b, false), "alice", CancellationToken.None);

        Assert.Equal((Tubes.PriorityNormal, Tubes.PriorityNormal), (first.Priority, second.Priority));
    }

    [Fact]
    public async Task ASubmittersSecondBulkQueuesBehindItsFirstNotBesideIt()
    {
        var names = Enumerable.Range(0, 6).Select(i => site.PutInIncoming(srpms.Srpm, $"own{i}-1.0-1.src.rpm")).ToList();

        var first = await site.Core.SubmitManyAsync([.. names.Take(3).Select(n => Order(n, false))], "alice", null, CancellationToken.None);
        var second = await site.Core.SubmitManyAsync([.. names.Skip(3).Select(n => Order(n, false))], "alice", null, CancellationToken.None);

        Assert.Equal([8192u, 8193, 8194, 8195, 8196, 8197], first.Concat(second).Select(r => r.Priority));
    }

    private async Task AllOfBsBeforeAsSixtiethAsync(IJobQueueFactory queues, BuildSubmitter core, bool background)
    {
        var tag = background ? "bg" : "fg";
        var aNames = Enumerable.Range(0, 300).Select(i => site.PutInIncomingOnce(srpms.Srpm, $"a{tag}{i:D3}-1.0-1.src.rpm")).ToList();
        var bNames = Enumerable.Range(0, 10).Select(i => site.PutInIncomingOnce(srpms.Srpm, $"b{tag}{i:D3}-1.0-1.src.rpm")).ToList();
        await using var builders = await queues.OpenConsumerAsync();
        var served = new List<string>();
        async Task TakeAsync(int count)
        {
            for (var i = 0; i < count && await builders.ReserveAsync(["noarch"], TimeSpan.Zero) is { } job; i++)
            {
                served.Add(SubmitSite.Parse(job).Srpm);
                await job.DeleteAsync();
            }
        }

        await core.SubmitManyAsync([.. aNames.Select(n => Order(n, background))], "alice", null, CancellationToken.None);
        await TakeAsync(5);
        await core.SubmitManyAsync([.. bNames.Select(n => Order(n, background))], "bob", null, CancellationToken.None);
        await TakeAsync(int.MaxValue);

        Assert.Equal(310, served.Count);
        var lastOfB = served.FindLastIndex(s => s.StartsWith('b'));
        var sixtiethOfA = served.Select((s, i) => (s, i)).Where(p => p.s.StartsWith('a')).ElementAt(59).i;
        Assert.True(lastOfB < sixtiethOfA, $"B's last build was served at position {lastOfB + 1}, A's 60th at {sixtiethOfA + 1}");
        // A's own builds keep their order.
        Assert.Equal(aNames, served.Where(s => s.StartsWith('a')));
    }
}
