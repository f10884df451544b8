using Microsoft.Extensions.Logging;
using Reimzul.Config;
using Reimzul.Protocol;
using Reimzul.Srpms;
using Reimzul.Tests.Retry;
using Reimzul.Tests.Support;
using Reimzul.Tests.Web;
using Reimzul.Web;

namespace Reimzul.Tests.Srpms;

[Collection(WebCollection.Name)]
public sealed class ControllerSrpmSourceTests(WebFixture fixture) : IAsyncDisposable
{
    private readonly WebSite site = new(fixture.Certificates);
    private readonly ListLogger log = new();
    private readonly SteppedClock clock = new();

    public ValueTask DisposeAsync() => site.DisposeAsync();

    private string SrpmName => Path.GetFileName(fixture.Srpm);

    private string WorkDir => site.Temp("worker/.srpms/1");

    private void PlaceSrpm()
    {
        Directory.CreateDirectory(site.Paths.Incoming);
        File.Copy(fixture.Srpm, Path.Combine(site.Paths.Incoming, SrpmName));
    }

    private WebServer Controller(int port) => ControllerServer.Create(site.ServerConfig(WebAuth.Certificates, port), site.Queues, site.LoggerFactory);

    /// <summary>The worker's side, on the stepped clock, through <paramref name="wrap"/> if given.</summary>
    private (ControllerSrpmSource Source, HttpClient Http) Source(Uri url, Func<HttpMessageHandler, HttpMessageHandler>? wrap = null)
    {
        HttpMessageHandler handler = RemoteHttp.CreateHandler(new TlsOptions { CaCert = fixture.Certificates.CaCertPath });
        var http = new HttpClient(wrap is null ? handler : wrap(handler)) { BaseAddress = url };
        return (new ControllerSrpmSource(new ControllerClient(http), log, clock), http);
    }

    [Fact]
    public async Task ADownloadThatFailsWhileTheControllerIsStoppedSucceedsOnceItIsBack()
    {
        PlaceSrpm();
        var port = BeanstalkdServer.FreePort();
        var url = new Uri($"https://127.0.0.1:{port}/");
        var (source, http) = Source(url);
        using var _ = http;
        await using (var first = Controller(port))
        {
            await first.StartAsync(CancellationToken.None);
            await source.FetchAsync(SrpmName, site.Temp("worker/.srpms/0"), CancellationToken.None);
            await first.StopAsync(CancellationToken.None);
        }

        var fetching = source.FetchAsync(SrpmName, WorkDir, CancellationToken.None);
        await clock.WaitStartedAsync();
        Assert.False(fetching.IsCompleted);
        Assert.Contains(log.Lines, l => l.Level == LogLevel.Warning && l.Message.Contains($"cannot download {SrpmName}", StringComparison.Ordinal));
        await site.StartAsync(Controller(port));
        clock.Advance(TimeSpan.FromSeconds(1));
        await clock.DriveAsync(fetching, TimeSpan.FromSeconds(1));

        Assert.Equal(Path.Combine(WorkDir, SrpmName), await fetching);
        Assert.Equal(File.ReadAllBytes(fixture.Srpm), File.ReadAllBytes(await fetching));
    }

    [Fact]
    public async Task WhenTheControllerStaysDownTheDownloadGivesUpSayingWhatFailedAndHowOften()
    {
        var port = BeanstalkdServer.FreePort();
        var (source, http) = Source(new Uri($"https://127.0.0.1:{port}/"));
        using var _ = http;

        var fetching = source.FetchAsync(SrpmName, WorkDir, CancellationToken.None);
        var error = await Assert.ThrowsAsync<HttpRequestException>(() => clock.DriveAsync(fetching, TimeSpan.FromSeconds(30)));

        // Failures at 0, 30, 60, 90 and 120 s: the source gives up after two minutes without a download.
        Assert.Equal($"cannot download {SrpmName} from the controller https://127.0.0.1:{port}/: failed 5 times, no progress for 120 s; last error: Connection refused (127.0.0.1:{port})", error.Message);
        Assert.Equal(4, log.Count(LogLevel.Warning));
        Assert.Empty(Directory.GetFileSystemEntries(WorkDir));
    }

    [Fact]
    public async Task AnSrpmTheControllerLacksFailsAtOnceWithoutRetrying()
    {
        var (source, http) = Source(await site.StartControllerAsync(WebAuth.Certificates));
        using var _ = http;

        var error = await Assert.ThrowsAsync<FileNotFoundException>(() => source.FetchAsync("missing-1.0-1.src.rpm", WorkDir, CancellationToken.None));

        Assert.Contains("missing-1.0-1.src.rpm", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, log.Count(LogLevel.Warning));
    }

    [Fact]
    public async Task AnSrpmThatArrivesDamagedOnceIsDownloadedAgain()
    {
        PlaceSrpm();
        DamagingHandler? damaging = null;
        var (source, http) = Source(await site.StartControllerAsync(WebAuth.Certificates), inner => damaging = new DamagingHandler(inner, times: 1));
        using var _ = http;

        var fetching = source.FetchAsync(SrpmName, WorkDir, CancellationToken.None);
        await clock.DriveAsync(fetching, TimeSpan.FromSeconds(1));

        Assert.Equal(1, damaging!.Damaged);
        Assert.Equal(File.ReadAllBytes(fixture.Srpm), File.ReadAllBytes(await fetching));
        Assert.Contains(log.Lines, l => l.Level == LogLevel.Warning && l.Message.Contains("arrived damaged", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AnSrpmThatKeepsArrivingDamagedFailsAfterThreeDownloads()
    {
        PlaceSrpm();
        DamagingHandler? damaging = null;
        var (source, http) = Source(await site.StartControllerAsync(WebAuth.Certificates), inner => damaging = new DamagingHandler(inner, times: int.MaxValue));
        using var _ = http;

        var fetching = source.FetchAsync(SrpmName, WorkDir, CancellationToken.None);
        var error = await Assert.ThrowsAsync<InvalidDataException>(() => clock.DriveAsync(fetching, TimeSpan.FromSeconds(1)));

        Assert.StartsWith($"SRPM {SrpmName} arrived damaged 3 times from the controller", error.Message, StringComparison.Ordinal);
        Assert.Equal(3, damaging!.Damaged);
        Assert.Empty(Directory.GetFileSystemEntries(WorkDir));
    }

    [Fact]
    public async Task AStopWhileTheControllerIsDownEndsTheDownloadAtOnce()
    {
        var port = BeanstalkdServer.FreePort();
        var (source, http) = Source(new Uri($"https://127.0.0.1:{port}/"));
        using var _ = http;
        using var stop = new CancellationTokenSource();

        var fetching = source.FetchAsync(SrpmName, WorkDir, stop.Token);
        await clock.WaitStartedAsync();
        await stop.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => fetching);
        Assert.Equal(1, log.Count(LogLevel.Warning));
    }

    /// <summary>Flips a byte in the body of the first <paramref name="times"/> downloads: a link that damages data in transit.</summary>
    private sealed class DamagingHandler(HttpMessageHandler inner, int times) : DelegatingHandler(inner)
    {
        private int damaged;

        public int Damaged => damaged;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            if (request.Method == HttpMethod.Get && response.IsSuccessStatusCode && damaged < times)
            {
                var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken);
                bytes[bytes.Length / 2] ^= 0x5A;
                Interlocked.Increment(ref damaged);
                response.Content.Dispose();
                response.Content = new ByteArrayContent(bytes);
            }
            return response;
        }
    }
}
