using Reimzul.Authorization;
using Reimzul.Messages;
using Reimzul.Protocol;
using Reimzul.Submit;
using Reimzul.Tests.Support;
using Reimzul.Tests.Web;

namespace Reimzul.Tests.Submit;

/// <summary>Bulk and background submits through a real controller on 127.0.0.1 (<c>POST /reimzul/submit-bulk</c>).</summary>
[Collection(WebCollection.Name)]
public sealed class ControllerBulkSubmitFacts(WebFixture fixture) : IAsyncDisposable
{
    private readonly WebSite site = new(fixture.Certificates);
    private readonly TempDir local = new("reimzul-bulk-local");

    public async ValueTask DisposeAsync()
    {
        local.Dispose();
        await site.DisposeAsync();
    }

    private static SubmitOrder Order(string srpm, bool background = false) => new(srpm, "x86_64", "c7", ".el7", Scratch: false, Now: false, Background: background);

    private ControllerClient Client(Uri url) => ControllerClient.Create(site.ClientConfig(url, token: WebSite.AliceToken));

    private List<string> LocalCopies(int count)
    {
        Directory.CreateDirectory(local.Path);
        return [.. Enumerable.Range(0, count).Select(i =>
        {
            var path = local.Combine($"remote{i}-1.0-1.src.rpm");
            File.Copy(fixture.Srpm, path);
            return path;
        })];
    }

    private async Task<IReadOnlyList<(string Srpm, uint Priority)>> QueuedAsync()
    {
        await using var queue = await site.Queues.OpenConsumerAsync();
        var jobs = new List<(string, uint)>();
        while (await queue.ReserveAsync(Tubes.BuildTubes, TimeSpan.Zero) is { } job)
        {
            Assert.True(MessageJson.TryParseBuildJob(job.Body, out var parsed, out var error), error);
            jobs.Add((parsed.Srpm, job.Priority));
        }
        return jobs;
    }

    [Fact]
    public async Task ManyLocalFilesAreUploadedAndQueuedInOneRequestInTheBackground()
    {
        var url = await site.StartControllerAsync(WebAuth.TokensOverHttp);
        using var client = Client(url);
        var files = LocalCopies(3);

        var receipts = await new ControllerSubmitter(client).SubmitManyAsync([.. files.Select(f => Order(f, background: true))], CancellationToken.None);

        string[] names = ["remote0-1.0-1.src.rpm", "remote1-1.0-1.src.rpm", "remote2-1.0-1.src.rpm"];
        Assert.Equal(names, receipts.Select(r => r.Srpm));
        Assert.All(receipts, r => Assert.Equal("alice", r.Submitter));
        var queued = await QueuedAsync();
        Assert.Equal(names, queued.Select(q => q.Srpm));
        Assert.Equal([Tubes.PriorityBackground, Tubes.PriorityBackground + 1, Tubes.PriorityBackground + 2], queued.Select(q => q.Priority));
    }

    [Fact]
    public async Task ABulkNamingAnSrpmTheControllerDoesNotHaveIsRefusedWholeWithItsName()
    {
        var url = await site.StartControllerAsync(WebAuth.TokensOverHttp);
        using var client = Client(url);
        var files = LocalCopies(2);

        var error = await Assert.ThrowsAsync<SubmitRefusedException>(() => new ControllerSubmitter(client).SubmitManyAsync(
            [Order(files[0]), Order("absent-1.0-1.src.rpm"), Order(files[1])], CancellationToken.None));

        Assert.Contains("(400): nothing was queued: 1 of 3 SRPMs cannot be submitted:", error.Message, StringComparison.Ordinal);
        Assert.Contains("SRPM 'absent-1.0-1.src.rpm' is not in the incoming dir of the controller", error.Message, StringComparison.Ordinal);
        Assert.Empty(await QueuedAsync());
    }

    [Fact]
    public async Task ABulkFromAWriterTheAclDoesNotAllowThatTargetIsRefusedWholeWithTheReason()
    {
        var config = site.ServerConfig(WebAuth.TokensOverHttp) with
        {
            Acl = BuildAcl.Parse([new("alice", "x86_64 c8-*")]),
        };
        var url = await site.StartControllerAsync(config);
        using var client = Client(url);
        var files = LocalCopies(2);

        var error = await Assert.ThrowsAsync<SubmitRefusedException>(() => new ControllerSubmitter(client).SubmitManyAsync(
            [.. files.Select(f => Order(f))], CancellationToken.None));

        Assert.Contains("(403)", error.Message, StringComparison.Ordinal);
        Assert.Contains("alice", error.Message, StringComparison.Ordinal);
        Assert.Empty(await QueuedAsync());
    }
}
