using System.Net;
using System.Net.Sockets;
using Reimzul.Messages;
using Reimzul.Protocol;
using Reimzul.Queue.Embedded;
using Reimzul.Submit;
using Reimzul.Tests.Web;
using Reimzul.Web;

namespace Reimzul.Tests.Submit;

/// <summary>The many-machines submit against a real controller on 127.0.0.1.</summary>
[Collection(WebCollection.Name)]
public sealed class ControllerSubmitterFacts(WebFixture fixture) : IAsyncDisposable
{
    private readonly WebSite site = new(fixture.Certificates);

    public ValueTask DisposeAsync() => site.DisposeAsync();

    private string SrpmName => Path.GetFileName(fixture.Srpm);

    private static SubmitOrder Order(string srpm, string arch = "x86_64") => new(srpm, arch, "c7", ".el7", Scratch: false, Now: false);

    private ControllerClient Client(Uri url) => ControllerClient.Create(site.ClientConfig(url, token: WebSite.AliceToken));

    private async Task<IReadOnlyList<string>> QueuedSrpmsAsync()
    {
        await using var queue = await site.Queues.OpenConsumerAsync();
        var srpms = new List<string>();
        while (await queue.ReserveAsync(Tubes.BuildTubes, TimeSpan.Zero) is { } job)
        {
            Assert.True(MessageJson.TryParseBuildJob(job.Body, out var parsed, out var error), error);
            srpms.Add(parsed.Srpm);
        }
        return srpms;
    }

    [Fact]
    public async Task ALocalFileIsUploadedAndTheControllerQueuesItWithTheWriterAsSubmitter()
    {
        var url = await site.StartControllerAsync(WebAuth.TokensOverHttp);
        using var client = Client(url);

        var receipt = await new ControllerSubmitter(client).SubmitAsync(new SubmitOrder(fixture.Srpm, "i686", "c7.1708.u", ".el7_4", Scratch: true, Now: true), CancellationToken.None);

        Assert.Equal(File.ReadAllBytes(fixture.Srpm), File.ReadAllBytes(Path.Combine(site.Paths.Incoming, SrpmName)));
        Assert.Equal([SrpmName], await QueuedSrpmsAsync());
        Assert.Equal(("i386", Tubes.PriorityNow, SrpmName, "c7.1708.u.i686", true, "alice"),
            (receipt.Tube, receipt.Priority, receipt.Srpm, receipt.Target, receipt.Scratch, receipt.Submitter));
        Assert.Matches("^[0-9a-f]{32}$", receipt.BuildId);
    }

    [Fact]
    public async Task ANameAlreadyOnTheControllerIsSubmittedWithoutAnUpload()
    {
        Directory.CreateDirectory(site.Paths.Incoming);
        File.Copy(fixture.Srpm, Path.Combine(site.Paths.Incoming, SrpmName));
        var url = await site.StartControllerAsync(WebAuth.TokensOverHttp);
        using var client = Client(url);

        var receipt = await new ControllerSubmitter(client).SubmitAsync(Order(SrpmName), CancellationToken.None);

        Assert.Equal(SrpmName, receipt.Srpm);
        Assert.Equal([SrpmName], await QueuedSrpmsAsync());
    }

    [Fact]
    public async Task TheControllersRefusalIsARefusalWithItsReason()
    {
        var url = await site.StartControllerAsync(WebAuth.TokensOverHttp);
        using var client = Client(url);
        Assert.False(Arches.TryValidate("sparc", out var expected));

        var error = await Assert.ThrowsAsync<SubmitRefusedException>(() => new ControllerSubmitter(client).SubmitAsync(Order(fixture.Srpm, "sparc"), CancellationToken.None));

        Assert.EndsWith("(400): " + expected, error.Message, StringComparison.Ordinal);
        Assert.Empty(await QueuedSrpmsAsync());
    }

    [Fact]
    public async Task AMissingLocalFileIsRefusedBeforeAnythingIsSent()
    {
        var url = await site.StartControllerAsync(WebAuth.TokensOverHttp);
        using var client = Client(url);
        var path = site.Temp("elsewhere/nothere-1.0-1.src.rpm");

        var error = await Assert.ThrowsAsync<SubmitRefusedException>(() => new ControllerSubmitter(client).SubmitAsync(Order(path), CancellationToken.None));

        Assert.Equal($"SRPM file '{path}' does not exist", error.Message);
        Assert.Empty(Directory.GetFileSystemEntries(site.Paths.Incoming));
    }

    [Fact]
    public async Task AControllerWhoseQueueIsDownAnswers503AndTheSubmitIsUnavailable()
    {
        var notADirectory = site.Temp("not-a-dir");
        await File.WriteAllTextAsync(notADirectory, "");
        var brokenQueue = new EmbeddedJobQueueFactory(Path.Combine(notADirectory, "queue.db"));
        var url = await site.StartAsync(ControllerServer.Create(site.ServerConfig(WebAuth.TokensOverHttp), brokenQueue, site.LoggerFactory));
        using var client = Client(url);

        var error = await Assert.ThrowsAsync<SubmitUnavailableException>(() => new ControllerSubmitter(client).SubmitAsync(Order(fixture.Srpm), CancellationToken.None));

        Assert.Contains("(503): the build queue is unavailable: ", error.Message, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, Assert.IsType<RemoteServiceException>(error.InnerException).Status);
    }

    [Fact]
    public async Task AControllerThatCannotBeReachedIsUnavailable()
    {
        // A port that was free a moment ago: nothing listens there.
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var url = new Uri($"http://127.0.0.1:{port}/");
        using var client = Client(url);

        var error = await Assert.ThrowsAsync<SubmitUnavailableException>(() => new ControllerSubmitter(client).SubmitAsync(Order(fixture.Srpm), CancellationToken.None));

        Assert.StartsWith($"controller {url} cannot be reached: ", error.Message, StringComparison.Ordinal);
    }
}
