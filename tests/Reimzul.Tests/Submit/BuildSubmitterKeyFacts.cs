using Reimzul.Messages;
using Reimzul.Queue;
using Reimzul.Submit;

namespace Reimzul.Tests.Submit;

/// <summary>A submit with a build id as its idempotency key, against the real embedded queue and the disk.</summary>
[Collection(SubmitCollection.Name)]
public sealed class BuildSubmitterKeyFacts(SubmitSrpms srpms) : IDisposable
{
    private readonly SubmitSite site = new();

    public void Dispose() => site.Dispose();

    private SubmitOrder Order(string arch = "x86_64") => new(site.PutInIncomingOnce(srpms.Srpm), arch, "c7", ".el7", Scratch: false, Now: false);

    [Fact]
    public async Task ARepeatedKeyGetsTheFirstJobsReceiptAndQueuesNothingEvenFromAFreshSubmitter()
    {
        var key = BuildIds.New();

        var first = await site.Core.SubmitAsync(Order(), "alice", key, CancellationToken.None);
        // A new submitter on the same dirs, as after a controller restart: only the disk remembers the key.
        var again = await new BuildSubmitter(site.Incoming, site.Queues, SubmitSite.Ttr).SubmitAsync(Order(), "alice", key, CancellationToken.None);

        Assert.Equal(first with { Repeated = true }, again);
        Assert.False(first.Repeated);
        Assert.Equal(key, first.BuildId);
        var job = Assert.Single(await site.TakeQueuedAsync());
        Assert.Equal((first.JobId, key), (job.Id, SubmitSite.Parse(job).BuildId));
    }

    [Fact]
    public async Task AKeyUsedForAnotherArchOrByAnotherSubmitterIsAConflict()
    {
        var key = BuildIds.New();
        await site.Core.SubmitAsync(Order(), "alice", key, CancellationToken.None);

        var otherArch = await Assert.ThrowsAsync<SubmitConflictException>(() => site.Core.SubmitAsync(Order("i686"), "alice", key, CancellationToken.None));
        var otherSubmitter = await Assert.ThrowsAsync<SubmitConflictException>(() => site.Core.SubmitAsync(Order(), "bob", key, CancellationToken.None));

        Assert.StartsWith($"build id {key} was already used for SRPM {Path.GetFileName(srpms.Srpm)}, arch x86_64, target c7", otherArch.Message, StringComparison.Ordinal);
        Assert.Equal($"build id {key} was already used by another submitter; submit with a new build id", otherSubmitter.Message);
        Assert.Single(await site.TakeQueuedAsync());
    }

    [Theory]
    [InlineData("../../../etc/passwd")]
    [InlineData("0123456789ABCDEF0123456789ABCDEF")]
    [InlineData("0123456789abcdef")]
    [InlineData("")]
    public async Task AKeyThatIsNot32LowerCaseHexDigitsIsRefusedAndNothingIsWritten(string key)
    {
        var error = await Assert.ThrowsAsync<SubmitRefusedException>(() => site.Core.SubmitAsync(Order(), "alice", key, CancellationToken.None));

        Assert.EndsWith(" is not 32 lower-case hex digits", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(site.Core.KeysDirectory));
        Assert.Empty(await site.TakeQueuedAsync());
    }

    [Fact]
    public async Task AfterAPutWhoseAnswerWasLostARepeatSaysHonestlyThatWhetherItIsQueuedIsUnknown()
    {
        var key = BuildIds.New();
        var lossy = new BuildSubmitter(site.Incoming, new AnswerLosingQueues(site.Queues), SubmitSite.Ttr);

        await Assert.ThrowsAsync<SubmitUnavailableException>(() => lossy.SubmitAsync(Order(), "alice", key, CancellationToken.None));
        var error = await Assert.ThrowsAsync<SubmitConflictException>(() => site.Core.SubmitAsync(Order(), "alice", key, CancellationToken.None));

        Assert.StartsWith($"the controller was interrupted while queuing build id {key}, so it cannot tell whether that build is queued", error.Message, StringComparison.Ordinal);
        Assert.Equal(key, SubmitSite.Parse(Assert.Single(await site.TakeQueuedAsync())).BuildId);
    }

    [Fact]
    public async Task AQueueThatCannotBeOpenedForgetsTheKeySoTheRetryQueuesTheBuild()
    {
        var key = BuildIds.New();
        var down = new BuildSubmitter(site.Incoming, new UnopenableQueues(), SubmitSite.Ttr);

        await Assert.ThrowsAsync<SubmitUnavailableException>(() => down.SubmitAsync(Order(), "alice", key, CancellationToken.None));
        var receipt = await site.Core.SubmitAsync(Order(), "alice", key, CancellationToken.None);

        Assert.False(receipt.Repeated);
        Assert.Single(await site.TakeQueuedAsync());
    }

    [Fact]
    public async Task KeysOlderThanTheCutOffArePrunedAndNewerOnesKept()
    {
        var (old, recent) = (BuildIds.New(), BuildIds.New());
        await site.Core.SubmitAsync(Order(), "alice", old, CancellationToken.None);
        await site.Core.SubmitAsync(Order(), "alice", recent, CancellationToken.None);
        File.SetLastWriteTimeUtc(Path.Combine(site.Core.KeysDirectory, old + ".json"), DateTime.UtcNow - BuildSubmitter.KeyLifetime - TimeSpan.FromHours(1));

        Assert.Equal(1, site.Core.PruneKeys(DateTimeOffset.UtcNow - BuildSubmitter.KeyLifetime));

        Assert.Equal([recent + ".json"], Directory.GetFiles(site.Core.KeysDirectory).Select(Path.GetFileName));
    }

    [Fact]
    public async Task ASubmitWithoutAKeyRecordsWhereItsJobWentForACancelToFindIt()
    {
        var receipt = await site.Core.SubmitAsync(Order(), "alice", CancellationToken.None);

        Assert.Equal((receipt.Tube, receipt.JobId, receipt.Priority), site.Core.QueuedJobOf(receipt.BuildId));
        Assert.Null(site.Core.QueuedJobOf(Reimzul.Messages.BuildIds.New()));
        Assert.Null(site.Core.QueuedJobOf("../../etc/passwd"));
    }

    /// <summary>Puts the job, then fails as a connection that drops before the answer would.</summary>
    private sealed class AnswerLosingQueues(IJobQueueFactory inner) : IJobQueueFactory
    {
        public async Task<IJobProducer> OpenProducerAsync(CancellationToken cancellationToken = default) => new Producer(await inner.OpenProducerAsync(cancellationToken));

        public Task<IJobConsumer> OpenConsumerAsync(CancellationToken cancellationToken = default) => inner.OpenConsumerAsync(cancellationToken);

        public Task<IQueueAdmin> OpenAdminAsync(CancellationToken cancellationToken = default) => inner.OpenAdminAsync(cancellationToken);

        private sealed class Producer(IJobProducer inner) : IJobProducer
        {
            public async Task<long> PutAsync(string tube, string body, uint priority, TimeSpan delay, TimeSpan ttr, CancellationToken cancellationToken = default)
            {
                await inner.PutAsync(tube, body, priority, delay, ttr, cancellationToken);
                throw new IOException("connection reset by peer");
            }

            public ValueTask DisposeAsync() => inner.DisposeAsync();
        }
    }

    private sealed class UnopenableQueues : IJobQueueFactory
    {
        public Task<IJobProducer> OpenProducerAsync(CancellationToken cancellationToken = default) => throw new IOException("connection refused");

        public Task<IJobConsumer> OpenConsumerAsync(CancellationToken cancellationToken = default) => throw new IOException("connection refused");

        public Task<IQueueAdmin> OpenAdminAsync(CancellationToken cancellationToken = default) => throw new IOException("connection refused");
    }
}
