using System.Net.Http.Headers;
using Reimzul.Config;
using Reimzul.Messages;
using Reimzul.Protocol;
using Reimzul.Retry;
using Reimzul.Submit;
using Reimzul.Tests.Web;
using Reimzul.Web;

namespace Reimzul.Tests.Submit;

/// <summary>A remote submit whose answer is lost on the way back: retried with its build id, it never queues twice.</summary>
[Collection(WebCollection.Name)]
public sealed class ControllerSubmitterRetryFacts(WebFixture fixture) : IAsyncDisposable
{
    private static readonly RetryPolicy Quick = new(RetryPolicy.MinimumDelay, RetryPolicy.MinimumDelay) { MaxAttempts = 3 };

    private readonly WebSite site = new(fixture.Certificates);

    public ValueTask DisposeAsync() => site.DisposeAsync();

    private static SubmitOrder Order(string srpm) => new(srpm, "x86_64", "c7", ".el7", Scratch: false, Now: false);

    private WebServer Controller(int port = 0) => ControllerServer.Create(site.ServerConfig(WebAuth.TokensOverHttp, port), site.Queues, site.LoggerFactory);

    private static HttpClient Http(Uri url, HttpMessageHandler handler)
    {
        var http = new HttpClient(handler) { BaseAddress = url };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", WebSite.AliceToken);
        return http;
    }

    private HttpMessageHandler Transport() => RemoteHttp.CreateHandler(new TlsOptions { CaCert = site.Certificates.CaCertPath });

    private async Task<IReadOnlyList<BuildJob>> QueuedJobsAsync()
    {
        await using var queue = await site.Queues.OpenConsumerAsync();
        var jobs = new List<BuildJob>();
        while (await queue.ReserveAsync(Tubes.BuildTubes, TimeSpan.Zero) is { } job)
        {
            Assert.True(MessageJson.TryParseBuildJob(job.Body, out var parsed, out var error), error);
            jobs.Add(parsed);
        }
        return jobs;
    }

    [Fact]
    public async Task WhenTheControllerIsKilledAfterThePutTheRetryGetsTheFirstJobFromTheRestartedController()
    {
        var first = Controller();
        await first.StartAsync(CancellationToken.None);
        var url = first.Addresses.Single();
        var dropping = new AnswerDroppingHandler(Transport(), times: 1, async () =>
        {
            // The controller goes away with the job queued and its answer unsent, and comes back on the same port.
            await first.StopAsync(CancellationToken.None);
            await first.DisposeAsync();
            await site.StartAsync(Controller(url.Port));
        });
        using var http = Http(url, dropping);
        using var client = new ControllerClient(http);

        var receipt = await new ControllerSubmitter(client, Quick).SubmitAsync(Order(fixture.Srpm), CancellationToken.None);

        Assert.Equal(1, dropping.Dropped);
        var job = Assert.Single(await QueuedJobsAsync());
        Assert.Equal((receipt.BuildId, Path.GetFileName(fixture.Srpm), "alice"), (job.BuildId, job.Srpm, job.Submitter));
        Assert.Matches("^[0-9a-f]{32}$", receipt.BuildId);
    }

    [Fact]
    public async Task WhenNoAnswerEverArrivesTheSubmitSaysItMayBeQueuedAndNamesTheBuildId()
    {
        var url = await site.StartAsync(Controller());
        var dropping = new AnswerDroppingHandler(Transport(), times: int.MaxValue, () => Task.CompletedTask);
        using var http = Http(url, dropping);
        using var client = new ControllerClient(http);

        var error = await Assert.ThrowsAsync<SubmitUnavailableException>(() => new ControllerSubmitter(client, Quick).SubmitAsync(Order(fixture.Srpm), CancellationToken.None));

        Assert.Equal(3, dropping.Dropped);
        var job = Assert.Single(await QueuedJobsAsync());
        Assert.Contains($"the controller did not confirm the submit (after 3 tries), so build id {job.BuildId} may or may not be queued: ", error.Message, StringComparison.Ordinal);
        Assert.StartsWith($"the connection to controller {url} failed: the connection was reset before the answer arrived; ", error.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Lets the first <paramref name="times"/> successful submits reach the controller, then throws away their answers
    /// as a connection reset would, after running <paramref name="onDrop"/>.
    /// </summary>
    private sealed class AnswerDroppingHandler(HttpMessageHandler inner, int times, Func<Task> onDrop) : DelegatingHandler(inner)
    {
        private int dropped;

        public int Dropped => dropped;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            if (request.Method == HttpMethod.Post && response.IsSuccessStatusCode && dropped < times)
            {
                response.Dispose();
                Interlocked.Increment(ref dropped);
                await onDrop();
                throw new HttpRequestException(HttpRequestError.ResponseEnded, "the connection was reset before the answer arrived");
            }
            return response;
        }
    }
}
