using System.Net;
using System.Net.Http.Json;
using Reimzul.Messages;
using Reimzul.Protocol;
using Reimzul.Submit;

namespace Reimzul.Tests.Web;

/// <summary><c>POST /reimzul/submit</c> with a <c>build_id</c>: the key of an idempotent submit, kept on disk across restarts.</summary>
[Collection(WebCollection.Name)]
public sealed class ControllerSubmitKeyTests(WebFixture fixture) : IAsyncDisposable
{
    private readonly WebSite site = new(fixture.Certificates);

    public ValueTask DisposeAsync() => site.DisposeAsync();

    private string SrpmName => Path.GetFileName(fixture.Srpm);

    private SubmitRequest Request(string? buildId, string arch = "x86_64") =>
        new() { Srpm = SrpmName, Arch = arch, Target = "c7", Disttag = ".el7", BuildId = buildId };

    private static Task<HttpResponseMessage> PostAsync(HttpClient http, SubmitRequest request) =>
        http.PostAsJsonAsync(RemoteProtocol.SubmitPath, request, RemoteJsonContext.Default.SubmitRequest);

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

    private void PutSrpmInIncoming()
    {
        Directory.CreateDirectory(site.Paths.Incoming);
        File.Copy(fixture.Srpm, Path.Combine(site.Paths.Incoming, SrpmName));
    }

    [Fact]
    public async Task ARepeatedBuildIdIsAnsweredWith200AndTheFirstJobAfterARestartAndQueuesOneJob()
    {
        PutSrpmInIncoming();
        var key = BuildIds.New();
        var first = ControllerServer(0);
        await first.StartAsync(CancellationToken.None);
        var url = first.Addresses.Single();
        SubmitResult created;
        using (var http = site.RawClient(url, token: WebSite.AliceToken))
        {
            using var response = await PostAsync(http, Request(key));
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            created = (await response.Content.ReadFromJsonAsync(RemoteJsonContext.Default.SubmitResult))!;
        }
        await first.StopAsync(CancellationToken.None);
        await first.DisposeAsync();

        await site.StartAsync(ControllerServer(url.Port));
        using var again = site.RawClient(url, token: WebSite.AliceToken);
        using var repeated = await PostAsync(again, Request(key));

        Assert.Equal(HttpStatusCode.OK, repeated.StatusCode);
        Assert.Equal(created, await repeated.Content.ReadFromJsonAsync(RemoteJsonContext.Default.SubmitResult));
        Assert.Equal(key, created.BuildId);
        Assert.Equal([key], (await QueuedJobsAsync()).Select(j => j.BuildId));
    }

    [Fact]
    public async Task TheSameBuildIdForAnotherArchIsRefusedWith409AndQueuesNothingMore()
    {
        PutSrpmInIncoming();
        var key = BuildIds.New();
        var url = await site.StartControllerAsync(WebAuth.TokensOverHttp);
        using var http = site.RawClient(url, token: WebSite.AliceToken);
        (await PostAsync(http, Request(key))).Dispose();

        using var response = await PostAsync(http, Request(key, "aarch64"));

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        var error = await response.Content.ReadFromJsonAsync(RemoteJsonContext.Default.ErrorBody);
        Assert.StartsWith($"build id {key} was already used for SRPM {SrpmName}, arch x86_64", error!.Error, StringComparison.Ordinal);
        Assert.Single(await QueuedJobsAsync());
    }

    [Fact]
    public async Task ABuildIdThatCouldEscapeTheKeysDirIsRefusedWith400()
    {
        PutSrpmInIncoming();
        var url = await site.StartControllerAsync(WebAuth.TokensOverHttp);
        using var http = site.RawClient(url, token: WebSite.AliceToken);

        using var response = await PostAsync(http, Request("../../queue.db"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("build id '../../queue.db' is not 32 lower-case hex digits", (await response.Content.ReadFromJsonAsync(RemoteJsonContext.Default.ErrorBody))!.Error);
        Assert.Empty(await QueuedJobsAsync());
    }

    [Fact]
    public async Task TheControllerForgetsKeysOlderThanTheirLifetimeWhenItStarts()
    {
        var keys = Path.Combine(site.Paths.Incoming, ".submits");
        Directory.CreateDirectory(keys);
        var (old, recent) = (Path.Combine(keys, BuildIds.New() + ".json"), Path.Combine(keys, BuildIds.New() + ".json"));
        File.WriteAllText(old, "{}");
        File.WriteAllText(recent, "{}");
        File.SetLastWriteTimeUtc(old, DateTime.UtcNow - BuildSubmitter.KeyLifetime - TimeSpan.FromHours(1));

        await site.StartControllerAsync(WebAuth.TokensOverHttp);

        Assert.Equal([recent], Directory.GetFiles(keys));
    }

    private Reimzul.Web.WebServer ControllerServer(int port) =>
        Reimzul.Web.ControllerServer.Create(site.ServerConfig(WebAuth.TokensOverHttp, port), site.Queues, site.LoggerFactory);
}
