using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Reimzul.Cancels;
using Reimzul.Config;
using Reimzul.History;
using Reimzul.Messages;
using Reimzul.Queue.Embedded;
using Reimzul.ResultStores;
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
    private WebServer _server = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _paths = ReimzulPaths.UnderDataDir(_dir.Combine("data"));
        Directory.CreateDirectory(_paths.Repo);
        var tokens = _dir.Combine("web.tokens");
        await File.WriteAllTextAsync(tokens, $"{WriterToken} alice\n");
        var config = new ReimzulConfig
        {
            Paths = _paths,
            Web = new WebOptions { Http = new HttpServiceOptions { Url = "http://unused/", Listen = "127.0.0.1", Port = 0, Tokens = tokens } },
        };
        _history = await SqliteHistoryStore.OpenAsync(_paths.HistoryDatabase);
        _server = WebRoleServer.Create(config, _history, new EmbeddedJobQueueFactory(_paths.QueueDatabase), NullLoggerFactory.Instance, TimeProvider.System);
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
