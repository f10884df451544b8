using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Reimzul.Config;
using Reimzul.History;
using Reimzul.Messages;
using Reimzul.Queue.Embedded;
using Reimzul.Tests.Support;
using Reimzul.Web;

namespace Reimzul.Tests.Api;

/// <summary>
/// A data dir with a SQLite history and an embedded queue, and the real web role serving them on 127.0.0.1 (a free
/// port); tests record events as the notifier would and read them back over HTTP.
/// </summary>
public sealed class ApiSite : IAsyncDisposable
{
    public const string ReaderToken = "reader-token-0123456789abcdef";

    private readonly TempDir dir = new("reimzul-api");
    private WebServer? server;

    private ApiSite()
    {
        Paths = ReimzulPaths.UnderDataDir(dir.Combine("data"));
        Queues = new EmbeddedJobQueueFactory(Paths.QueueDatabase);
    }

    public ReimzulPaths Paths { get; }
    public EmbeddedJobQueueFactory Queues { get; }
    public IHistoryStore History { get; private set; } = null!;
    public HttpClient Http { get; private set; } = null!;
    public Uri Url { get; private set; } = null!;

    public const string BaseUrl = "http://repo.example/bstore/repo/";

    /// <param name="readTokens">When true, reading needs <see cref="ReaderToken"/>.</param>
    public static async Task<ApiSite> StartAsync(bool readTokens = false)
    {
        var site = new ApiSite();
        Directory.CreateDirectory(site.Paths.Repo);
        string? tokens = null;
        if (readTokens)
        {
            tokens = site.dir.Combine("read-tokens");
            File.WriteAllText(tokens, $"{ReaderToken} dashboard\n");
        }
        var config = new ReimzulConfig
        {
            Paths = site.Paths,
            BstoreBaseUrl = BaseUrl,
            Web = new WebOptions
            {
                Http = new HttpServiceOptions { Url = "http://unused/", Listen = "127.0.0.1", Port = 0 },
                ReadTokens = tokens,
            },
        };
        site.History = await SqliteHistoryStore.OpenAsync(site.Paths.HistoryDatabase);
        site.server = WebRoleServer.Create(config, site.History, site.Queues, NullLoggerFactory.Instance, TimeProvider.System);
        await site.server.StartAsync(CancellationToken.None);
        site.Url = site.server.Addresses.Single();
        site.Http = new HttpClient { BaseAddress = site.Url };
        return site;
    }

    public Task RecordAsync(BuildEvent e) => History.RecordAsync(e);

    /// <summary>GET <paramref name="path"/>: the status and the body as JSON (null when the body is not JSON).</summary>
    public async Task<(int Status, JsonElement? Json, string Body, string? ContentType)> GetAsync(string path, string? token = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (token is not null)
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }
        using var response = await Http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        JsonElement? json = null;
        try
        {
            json = JsonDocument.Parse(body).RootElement.Clone();
        }
        catch (JsonException)
        {
        }
        return ((int)response.StatusCode, json, body, response.Content.Headers.ContentType?.MediaType);
    }

    public async ValueTask DisposeAsync()
    {
        Http?.Dispose();
        if (server is not null)
        {
            await server.StopAsync(CancellationToken.None);
            await server.DisposeAsync();
        }
        if (History is not null)
        {
            await History.DisposeAsync();
        }
        dir.Dispose();
    }
}
