using System.Net;
using Microsoft.Extensions.Logging;
using Reimzul.Config;
using Reimzul.Protocol;
using Reimzul.ResultStores;
using Reimzul.Retry;
using Reimzul.Tests.Support;
using Reimzul.Tests.Web;

namespace Reimzul.Tests.ResultStores;

[Collection(WebCollection.Name)]
public sealed class HttpResultStoreTests(WebFixture fixture) : IAsyncDisposable
{
    private static readonly RetryPolicy Quick = new(TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(200)) { GiveUpWithoutProgress = TimeSpan.FromSeconds(10) };

    private readonly WebSite site = new(fixture.Certificates);
    private readonly ListLogger log = new();

    public ValueTask DisposeAsync() => site.DisposeAsync();

    private string UploadsDir => Path.Combine(site.Paths.Staging, "uploads");

    /// <summary>A store as a worker with a client certificate runs it, through <paramref name="wrap"/> if given.</summary>
    private (HttpResultStore Store, HttpClient Http) Store(Uri url, RetryPolicy? retry = null, Func<HttpMessageHandler, HttpMessageHandler>? wrap = null, string cn = "builder1", bool otherCa = false)
    {
        var certificate = fixture.Certificates.Client(cn, otherCa);
        HttpMessageHandler handler = RemoteHttp.CreateHandler(new TlsOptions { CaCert = fixture.Certificates.CaCertPath, ClientCert = certificate.CertPath, ClientKey = certificate.KeyPath });
        var http = new HttpClient(wrap is null ? handler : wrap(handler)) { BaseAddress = url };
        return (new HttpResultStore(new BstoreClient(http), retry ?? Quick, log), http);
    }

    [Fact]
    public async Task AResultIsUploadedWholeOverTlsAndTheLocalDirIsConsumed()
    {
        var url = await site.StartBstoreAsync(WebAuth.Certificates);
        var (result, hashes) = ResultFiles.Make(site.Temp("worker"));
        var (store, http) = Store(url);
        using var _ = http;

        await store.StoreAsync(result, CancellationToken.None);

        Assert.Equal(hashes, ResultFiles.Hashes(ResultFiles.FinalDir(site.Paths.Repo, result)));
        Assert.False(Directory.Exists(result.ResultDir));
        Assert.Empty(Directory.GetFileSystemEntries(UploadsDir));
    }

    [Fact]
    public async Task TheStoreMadeFromTheConfigUploadsWithAToken()
    {
        var url = await site.StartBstoreAsync(WebAuth.TokensOverHttp);
        var (result, hashes) = ResultFiles.Make(site.Temp("worker"));
        using var store = HttpResultStore.Create(site.ClientConfig(url, token: WebSite.AliceToken), log);

        await store.StoreAsync(result, CancellationToken.None);

        Assert.Equal(hashes, ResultFiles.Hashes(ResultFiles.FinalDir(site.Paths.Repo, result)));
    }

    [Fact]
    public async Task ADifferentResultAtThePlaceOfAPublishedOneFailsAtOnceWithoutRetrying()
    {
        var url = await site.StartBstoreAsync(WebAuth.Certificates);
        var (first, hashes) = ResultFiles.Make(site.Temp("worker"));
        var (second, _) = ResultFiles.Make(site.Temp("worker-again"));
        // Retries for ever, as far as a test can tell: only a final answer ends the store.
        var patient = new RetryPolicy(TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(200)) { GiveUpWithoutProgress = TimeSpan.FromHours(1) };
        var (store, http) = Store(url, patient);
        using var _ = http;
        await store.StoreAsync(first, CancellationToken.None);

        var refused = await Assert.ThrowsAsync<InvalidDataException>(() => store.StoreAsync(second, CancellationToken.None));

        Assert.Contains("is taken by a different result", refused.Message, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Conflict, Assert.IsType<RemoteServiceException>(refused.InnerException).Status);
        Assert.Equal(hashes, ResultFiles.Hashes(ResultFiles.FinalDir(site.Paths.Repo, first)));
        Assert.True(Directory.Exists(second.ResultDir));
    }

    [Fact]
    public async Task StoringTheSameResultAgainSendsNothingAndChangesNothing()
    {
        var url = await site.StartBstoreAsync(WebAuth.Certificates);
        var (result, hashes) = ResultFiles.Make(site.Temp("worker"));
        var copy = site.Temp("worker-retry");
        Directory.CreateDirectory(copy);
        foreach (var file in Directory.GetFiles(result.ResultDir))
        {
            File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        }
        var counting = (CorruptingHandler?)null;
        var (store, http) = Store(url, wrap: inner => counting = new CorruptingHandler(inner, times: 0));
        using var _ = http;
        await store.StoreAsync(result, CancellationToken.None);
        var final = ResultFiles.FinalDir(site.Paths.Repo, result);
        var stamps = Directory.GetFiles(final).ToDictionary(f => f, File.GetLastWriteTimeUtc);

        await store.StoreAsync(result with { ResultDir = copy }, CancellationToken.None);

        Assert.Equal(stamps, Directory.GetFiles(final).ToDictionary(f => f, File.GetLastWriteTimeUtc));
        Assert.Equal(hashes, ResultFiles.Hashes(final));
        Assert.Single(Directory.GetDirectories(Path.GetDirectoryName(final)!));
        Assert.Contains(log.Lines, l => l.Message.Contains("stored result", StringComparison.Ordinal));
        Assert.Equal(0, counting!.Corrupted);
    }

    [Fact]
    public async Task AnUploadDamagedOnTheWayIsSentAgainAndThenLandsIntact()
    {
        var url = await site.StartBstoreAsync(WebAuth.Certificates);
        var (result, hashes) = ResultFiles.Make(site.Temp("worker"));
        CorruptingHandler? corrupting = null;
        var (store, http) = Store(url, wrap: inner => corrupting = new CorruptingHandler(inner, times: 1));
        using var _ = http;

        await store.StoreAsync(result, CancellationToken.None);

        Assert.Equal(1, corrupting!.Corrupted);
        Assert.Equal(hashes, ResultFiles.Hashes(ResultFiles.FinalDir(site.Paths.Repo, result)));
        Assert.Contains(log.Lines, l => l.Level == LogLevel.Warning && l.Message.Contains("arrived damaged", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AnUploadThatKeepsArrivingDamagedThrowsAndNothingLands()
    {
        var url = await site.StartBstoreAsync(WebAuth.Certificates);
        var (result, _) = ResultFiles.Make(site.Temp("worker"));
        var (store, http) = Store(url, wrap: inner => new CorruptingHandler(inner, times: int.MaxValue));
        using var _ = http;

        var error = await Assert.ThrowsAsync<IOException>(() => store.StoreAsync(result, CancellationToken.None));

        Assert.Contains("arrived damaged 3 times", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(ResultFiles.FinalDir(site.Paths.Repo, result)));
        Assert.True(Directory.Exists(result.ResultDir));
    }

    [Fact]
    public async Task WhenBstoreIsDownTheStoreWaitsForItToComeBack()
    {
        var port = BeanstalkdServer.FreePort();
        var (result, hashes) = ResultFiles.Make(site.Temp("worker"));
        var (store, http) = Store(new Uri($"https://127.0.0.1:{port}/"));
        using var _ = http;

        var storing = store.StoreAsync(result, CancellationToken.None);
        await Eventually.WaitAsync(() => log.Count(LogLevel.Warning) >= 2, TimeSpan.FromSeconds(20), () => "the store logged no two failed attempts");
        Assert.False(storing.IsCompleted);
        await site.StartBstoreAsync(WebAuth.Certificates, port);
        await storing.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(hashes, ResultFiles.Hashes(ResultFiles.FinalDir(site.Paths.Repo, result)));
    }

    [Fact]
    public async Task WhenBstoreStaysDownTheStoreThrowsAndKeepsTheResult()
    {
        var port = BeanstalkdServer.FreePort();
        var (result, _) = ResultFiles.Make(site.Temp("worker"));
        var (store, http) = Store(new Uri($"https://127.0.0.1:{port}/"), Quick with { GiveUpWithoutProgress = TimeSpan.FromMilliseconds(300) });
        using var _ = http;

        var error = await Assert.ThrowsAsync<IOException>(() => store.StoreAsync(result, CancellationToken.None));

        Assert.Contains("did not arrive", error.Message, StringComparison.Ordinal);
        Assert.True(Directory.Exists(result.ResultDir));
        Assert.True(log.Count(LogLevel.Warning) >= 1);
    }

    [Fact]
    public async Task ARefusedWorkerFailsAtOnceWithBstoresReason()
    {
        var url = await site.StartBstoreAsync(WebAuth.Certificates);
        var (result, _) = ResultFiles.Make(site.Temp("worker"));
        var (store, http) = Store(url, cn: "intruder", otherCa: true);
        using var _ = http;

        var error = await Assert.ThrowsAsync<RemoteServiceException>(() => store.StoreAsync(result, CancellationToken.None));

        Assert.Equal(HttpStatusCode.Forbidden, error.Status);
        Assert.Contains("CN=intruder", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, log.Count(LogLevel.Warning));
    }

    [Fact]
    public async Task AResultDirWithASubdirectoryIsRefusedBeforeAnythingIsSent()
    {
        var url = await site.StartBstoreAsync(WebAuth.Certificates);
        var (result, _) = ResultFiles.Make(site.Temp("worker"));
        Directory.CreateDirectory(Path.Combine(result.ResultDir, "nested"));
        var (store, http) = Store(url);
        using var _ = http;

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => store.StoreAsync(result, CancellationToken.None));

        Assert.Contains("subdirectory (nested)", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(UploadsDir) && Directory.EnumerateFileSystemEntries(UploadsDir).Any());
    }
}
