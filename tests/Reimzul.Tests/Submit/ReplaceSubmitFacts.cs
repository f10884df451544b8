using Reimzul.Messages;
using Reimzul.Submit;
using Reimzul.Tests.Web;

namespace Reimzul.Tests.Submit;

/// <summary><c>--replace</c> reaches the job, whichever way it is submitted; without it the job has no such field.</summary>
[Collection(WebCollection.Name)]
public sealed class ReplaceSubmitFacts(WebFixture fixture) : IAsyncDisposable, IDisposable
{
    private readonly WebSite _site = new(fixture.Certificates);
    private readonly SubmitSite _local = new();

    public ValueTask DisposeAsync() => _site.DisposeAsync();

    public void Dispose() => _local.Dispose();

    private SubmitOrder Order(bool replace) => new(fixture.Srpm, "x86_64", "c7", ".el7", Scratch: false, Now: false, Replace: replace);

    [Fact]
    public async Task ALocalSubmitWithReplaceQueuesAJobThatSaysSoAndOneWithoutItQueuesTheOriginalFields()
    {
        var submitter = new LocalSubmitter(_local.Core, "alice");

        await submitter.SubmitAsync(Order(replace: true), CancellationToken.None);
        await submitter.SubmitAsync(Order(replace: false), CancellationToken.None);

        var jobs = await _local.TakeQueuedAsync();
        var bodies = jobs.Select(j => j.Body).ToList();
        Assert.Equal([true, null], jobs.Select(j => SubmitSite.Parse(j).Replace));
        Assert.Contains("\"replace\":true", bodies[0], StringComparison.Ordinal);
        Assert.DoesNotContain("replace", bodies[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task ASubmitThroughTheControllerCarriesReplaceToTheJob()
    {
        var url = await _site.StartControllerAsync(WebAuth.TokensOverHttp);
        using var client = Reimzul.Protocol.ControllerClient.Create(_site.ClientConfig(url, token: WebSite.AliceToken));

        await new ControllerSubmitter(client).SubmitAsync(Order(replace: true), CancellationToken.None);

        await using var queue = await _site.Queues.OpenConsumerAsync();
        var job = await queue.ReserveAsync(Tubes.BuildTubes, TimeSpan.Zero);
        Assert.NotNull(job);
        Assert.True(MessageJson.TryParseBuildJob(job.Body, out var parsed, out var error), error);
        Assert.True(parsed.Replace);
    }
}
