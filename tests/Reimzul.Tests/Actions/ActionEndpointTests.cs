using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Reimzul.Cancels;
using Reimzul.Config;
using Reimzul.History;
using Reimzul.Messages;
using Reimzul.Queue;
using Reimzul.Queue.Embedded;
using Reimzul.ResultStores;
using Reimzul.Submit;
using Reimzul.Tests.Support;
using Reimzul.Web;
using Reimzul.Worker;

namespace Reimzul.Tests.Actions;

/// <summary>
/// The actions and the logs of <c>/api/v1</c> through real HTTP on the real web role (SQLite history, embedded queue,
/// writers' tokens): who may act, what cancel records, how a live log is served from an offset and when it is complete,
/// and hostile paths and offsets refused.
/// </summary>
public sealed class ActionEndpointTests : IAsyncLifetime, IDisposable
{
    private const string WriterToken = "writer-token-0123456789abcdef";
    private const string Arch = "x86_64";

    private readonly TempDir _dir = new("reimzul-actions");
    private ReimzulPaths _paths = null!;
    private IHistoryStore _history = null!;
    private EmbeddedJobQueueFactory _queues = null!;
    private ReimzulConfig _config = null!;
    private WebServer _server = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _paths = ReimzulPaths.UnderDataDir(_dir.Combine("data"));
        Directory.CreateDirectory(_paths.Repo);
        var tokens = _dir.Combine("web.tokens");
        await File.WriteAllTextAsync(tokens, $"{WriterToken} alice\n");
        var config = _config = new ReimzulConfig
        {
            Paths = _paths,
            Web = new WebOptions { Http = new HttpServiceOptions { Url = "http://unused/", Listen = "127.0.0.1", Port = 0, Tokens = tokens } },
        };
        _history = await SqliteHistoryStore.OpenAsync(_paths.HistoryDatabase);
        _queues = new EmbeddedJobQueueFactory(_paths.QueueDatabase);
        _server = WebRoleServer.Create(config, _history, _queues, NullLoggerFactory.Instance, TimeProvider.System);
        await _server.StartAsync(CancellationToken.None);
        _http = new HttpClient { BaseAddress = _server.Addresses.Single() };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server.StopAsync(CancellationToken.None);
        await _server.DisposeAsync();
        await _history.DisposeAsync();
    }

    public void Dispose()
    {
        _http.Dispose();
        _dir.Dispose();
    }

    private static BuildEvent Event(string buildId, string status) => new()
    {
        Srpm = "hello-1.0-1.src.rpm", Arch = Arch, Target = "c7.x86_64", Disttag = ".el7", Submitter = "alice", BuildId = buildId,
        Status = status, BuilderFqdn = "b1", Evr = "1.0-1", PkgName = "hello", Timestamp = "20261201120000",
    };

    private async Task<HttpResponseMessage> PostAsync(string path, string? token, string? json = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = json is null ? null : new StringContent(json, Encoding.UTF8, "application/json") };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        return await _http.SendAsync(request);
    }

    [Fact]
    public async Task CancelingARunningBuildNeedsAWriterAndRecordsTheRequestTheWorkersRead()
    {
        var id = BuildIds.New();
        await _history.RecordAsync(Event(id, BuildStatus.Building));

        using (var anonymous = await PostAsync($"api/v1/builds/{id}/cancel", token: null))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }
        using (var wrong = await PostAsync($"api/v1/builds/{id}/cancel", token: "not-a-token-0123456789"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }
        Assert.Null(CancelRecords.Under(_paths.DataDir).Find(id));

        using var accepted = await PostAsync($"api/v1/builds/{id}/cancel", WriterToken);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        Assert.Contains("\"canceled\": [\n    \"x86_64\"\n  ]", (await accepted.Content.ReadAsStringAsync()).Replace("\r", "", StringComparison.Ordinal), StringComparison.Ordinal);
        var request = CancelRecords.Under(_paths.DataDir).Find(id);
        Assert.Equal(("alice", "canceled by alice"), (request?.RequestedBy, request?.Reason));

        // Once its Canceled is recorded, the build has ended: nothing more to cancel.
        await _history.RecordAsync(Event(id, BuildStatus.Canceled) with { Reason = "canceled by alice" });
        using var ended = await PostAsync($"api/v1/builds/{id}/cancel", WriterToken);
        Assert.Equal(HttpStatusCode.Conflict, ended.StatusCode);
    }

    [Fact]
    public async Task CancelingAQueuedBuildRemovesItsJobFromTheTubeAndRecordsItCanceledLeavingTheOtherBuildsQueued()
    {
        var srpm = Path.GetFileName(await SrpmFactory.BuildAsync(SrpmFactory.NoarchSpec("queued-cancel"), _paths.Incoming));
        var submits = BuildSubmitter.Create(_config, _queues, NullLogger.Instance);
        var canceled = await submits.SubmitAsync(new SubmitOrder(srpm, Arch, "c7", ".el7", Scratch: false, Now: false), "alice", CancellationToken.None);
        var other = await submits.SubmitAsync(new SubmitOrder(srpm, Arch, "c7", ".el7", Scratch: false, Now: false), "bob", CancellationToken.None);

        using var response = await PostAsync($"api/v1/builds/{canceled.BuildId}/cancel", WriterToken);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        using var reply = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(["x86_64"], reply.RootElement.GetProperty("removed").EnumerateArray().Select(a => a.GetString()));
        Assert.True(reply.RootElement.GetProperty("queued").GetBoolean());
        await using var admin = await _queues.OpenAdminAsync();
        Assert.Equal(1, (await admin.StatsTubeAsync(canceled.Tube)).Ready);
        // The other build is still the one queued; the canceled one is announced on notify for the history and the sinks.
        await using var consumer = await _queues.OpenConsumerAsync();
        var left = await consumer.ReserveAsync([canceled.Tube], TimeSpan.Zero);
        Assert.Equal(other.JobId, left?.Id);
        var announced = await consumer.ReserveAsync([Tubes.Notify], TimeSpan.Zero);
        Assert.NotNull(announced);
        Assert.True(MessageJson.TryParseBuildEvent(announced.Body, out var ev, out var malformed), malformed);
        Assert.Equal((canceled.BuildId, BuildStatus.Canceled, Arch, "c7.x86_64", "queued-cancel", "canceled by alice"), (ev.BuildId, ev.Status, ev.Arch, ev.Target, ev.PkgName, ev.Reason));
        Assert.Null(await consumer.ReserveAsync([Tubes.Notify], TimeSpan.Zero));
        // A worker that took the job meanwhile would find the request and not announce the arch again.
        Assert.Equal(["x86_64"], CancelRecords.Under(_paths.DataDir).Find(canceled.BuildId)?.Announced);

        using var again = await PostAsync($"api/v1/builds/{canceled.BuildId}/cancel", WriterToken);
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        Assert.Contains("\"removed\": []", await again.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ResubmittingOnlyTheFailedArchQueuesTheSameSrpmUnderANewBuildIdForThatArchAlone()
    {
        var srpm = Path.GetFileName(await SrpmFactory.BuildAsync(SrpmFactory.CProgramSpec("resubmit-me"), _paths.Incoming));
        var id = BuildIds.New();
        var first = Event(id, BuildStatus.Success) with { Srpm = srpm, PkgName = "resubmit-me", Target = "c7.x86_64" };
        await _history.RecordAsync(first);
        await _history.RecordAsync(first with { Arch = "i686", Status = BuildStatus.Failed, Reason = "rpmbuild failed" });

        using var response = await PostAsync($"api/v1/builds/{id}/resubmit", WriterToken, "{\"failed_only\": true}");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        using var reply = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var newId = reply.RootElement.GetProperty("build_id").GetString();
        Assert.NotEqual(id, newId);
        Assert.Equal(id, reply.RootElement.GetProperty("resubmitted_from").GetString());
        Assert.Equal(["i686"], reply.RootElement.GetProperty("arches").EnumerateArray().Select(a => a.GetString()));
        await using var consumer = await _queues.OpenConsumerAsync();
        var job = await consumer.ReserveAsync([Arches.BuildTube(Arch)], TimeSpan.Zero);
        Assert.True(MessageChecks.TryReadBuildJob(job!.Tube, job.Body, out var queued, out var invalid), invalid);
        Assert.Equal((srpm, "c7.x86_64", newId, "alice"), (queued.Srpm, queued.Target, queued.BuildId, queued.Submitter));
        Assert.Equal(["i686"], queued.OnlyArches);

        // Nothing failed in the new one's place: a build whose arches all succeeded has nothing to resubmit with failed_only.
        var good = BuildIds.New();
        await _history.RecordAsync(first with { BuildId = good });
        using var nothing = await PostAsync($"api/v1/builds/{good}/resubmit", WriterToken, "{\"failed_only\": true}");
        Assert.Equal(HttpStatusCode.Conflict, nothing.StatusCode);
        using var unknown = await PostAsync($"api/v1/builds/{BuildIds.New()}/resubmit", WriterToken);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task KickingMovesBuriedJobsBackToReadyAndRefusesAHostileTubeOrCount()
    {
        await using (var producer = await _queues.OpenProducerAsync())
        await using (var consumer = await _queues.OpenConsumerAsync())
        {
            await producer.PutAsync("buried-tube", "{}", 10, TimeSpan.Zero, TimeSpan.FromMinutes(1));
            await (await consumer.ReserveAsync(["buried-tube"], TimeSpan.Zero))!.BuryAsync("test");
        }

        using var anonymous = await PostAsync("api/v1/queues/buried-tube/kick", token: null, "{\"count\": 5}");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        using var kicked = await PostAsync("api/v1/queues/buried-tube/kick", WriterToken, "{\"count\": 5}");
        Assert.Equal(HttpStatusCode.OK, kicked.StatusCode);
        Assert.Contains("\"kicked\": 1", await kicked.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await using var admin = await _queues.OpenAdminAsync();
        Assert.Equal((1L, 0L), ((await admin.StatsTubeAsync("buried-tube")).Ready, (await admin.StatsTubeAsync("buried-tube")).Buried));

        foreach (var (path, body) in new[] { ("api/v1/queues/buried-tube/kick", "{\"count\": -1}"), ("api/v1/queues/buried-tube/kick", "{\"count\": 1000000}"), ("api/v1/queues/%3Cscript%3E/kick", "{}"), ("api/v1/queues/buried-tube/kick", "not json") })
        {
            using var refused = await PostAsync(path, WriterToken, body);
            Assert.True(refused.StatusCode == HttpStatusCode.BadRequest, $"{path} {body}: {refused.StatusCode}");
            Assert.Contains("\"error\"", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task FixBuildTurnsTheLatestResultIntoOverrideWithTheWritersComment()
    {
        await _history.RecordAsync(Event(BuildIds.New(), BuildStatus.Failed) with { Srpm = "broken-1.0-1.src.rpm", PkgName = "broken" });

        using var missing = await PostAsync("api/v1/fix-build", WriterToken, "{\"srpm\": \"broken-1.0-1.src.rpm\", \"target\": \"c7.x86_64\", \"arch\": \"x86_64\"}");
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Contains("comment is missing", await missing.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var fixedUp = await PostAsync("api/v1/fix-build", WriterToken, "{\"srpm\": \"broken-1.0-1.src.rpm\", \"target\": \"c7.x86_64\", \"arch\": \"x86_64\", \"comment\": \"fails upstream too\"}");
        Assert.Equal(HttpStatusCode.OK, fixedUp.StatusCode);
        var latest = Assert.Single(await _history.LatestAsync("c7.x86_64"));
        Assert.Equal(("broken-1.0-1.src.rpm", BuildStatus.Override), (latest.Srpm, latest.Status));
        Assert.Contains("fails upstream too (by alice)", latest.Comment, StringComparison.Ordinal);

        using var none = await PostAsync("api/v1/fix-build", WriterToken, "{\"srpm\": \"never-1-1.src.rpm\", \"target\": \"c7.x86_64\", \"arch\": \"x86_64\", \"comment\": \"x\"}");
        Assert.Equal(HttpStatusCode.NotFound, none.StatusCode);
    }

    [Theory]
    [InlineData("api/v1/builds/..%2F..%2Fetc/cancel")]
    [InlineData("api/v1/builds/%3Cscript%3E/cancel")]
    [InlineData("api/v1/builds/0123/cancel")]
    public async Task ACancelOfSomethingThatIsNoBuildIdIsRefused(string path)
    {
        using var response = await PostAsync(path, WriterToken);
        Assert.True(response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.NotFound, $"{path}: {response.StatusCode}");
        Assert.False(Directory.Exists(Path.Combine(_paths.DataDir, "cancels")) && Directory.EnumerateFiles(Path.Combine(_paths.DataDir, "cancels")).Any());
    }

    [Fact]
    public async Task ALiveLogIsServedFromAnOffsetAndIsCompleteOnlyOnceTheBuildEnded()
    {
        var id = BuildIds.New();
        await _history.RecordAsync(Event(id, BuildStatus.Building));
        var live = LiveLogFiles.NextTo(_paths.Repo);
        var first = Encoding.UTF8.GetBytes("line 1 <script>alert(1)</script>\n");
        await live.AppendAsync(new LiveLogChunk(id, Arch, "build.log", "attempt-1", 0, first, Complete: false), CancellationToken.None);

        using var whole = await _http.GetAsync($"api/v1/builds/{id}/logs/{Arch}/build.log");
        Assert.Equal(HttpStatusCode.OK, whole.StatusCode);
        Assert.Equal("text/plain", whole.Content.Headers.ContentType?.MediaType);
        Assert.Equal("line 1 <script>alert(1)</script>\n", await whole.Content.ReadAsStringAsync());
        Assert.Equal(first.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), whole.Headers.GetValues("X-Log-Offset").Single());
        Assert.Equal("false", whole.Headers.GetValues("X-Log-Complete").Single());

        var second = Encoding.UTF8.GetBytes("line 2\n");
        await live.AppendAsync(new LiveLogChunk(id, Arch, "build.log", "attempt-1", first.Length, second, Complete: true), CancellationToken.None);
        await _history.RecordAsync(Event(id, BuildStatus.Success));
        using var rest = await _http.GetAsync($"api/v1/builds/{id}/logs/{Arch}/build.log?offset={first.Length}");
        Assert.Equal("line 2\n", await rest.Content.ReadAsStringAsync());
        Assert.Equal("true", rest.Headers.GetValues("X-Log-Complete").Single());
    }

    [Theory]
    [InlineData("build.log?offset=-1", HttpStatusCode.BadRequest)]
    [InlineData("build.log?offset=abc", HttpStatusCode.BadRequest)]
    [InlineData("..%2F..%2Fhistory.db", HttpStatusCode.BadRequest)]
    [InlineData("stdout", HttpStatusCode.BadRequest)]
    public async Task HostileLogPathsAndOffsetsAreRefused(string tail, HttpStatusCode expected)
    {
        var id = BuildIds.New();
        await _history.RecordAsync(Event(id, BuildStatus.Building));
        using var response = await _http.GetAsync($"api/v1/builds/{id}/logs/{Arch}/{tail}");
        Assert.Equal(expected, response.StatusCode);
    }

    [Fact]
    public async Task TheLogOfAnUnknownBuildOrArchIsNotFound()
    {
        using var unknown = await _http.GetAsync($"api/v1/builds/{BuildIds.New()}/logs/{Arch}/build.log");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }
}
