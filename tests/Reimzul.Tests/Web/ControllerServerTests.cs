using System.Net;
using System.Security.Cryptography;
using Reimzul.Messages;
using Reimzul.Protocol;
using Reimzul.Queue;
using Reimzul.Queue.Embedded;
using Reimzul.Validation;

namespace Reimzul.Tests.Web;

[Collection(WebCollection.Name)]
public sealed class ControllerServerTests(WebFixture fixture) : IAsyncDisposable
{
    private readonly WebSite site = new(fixture.Certificates);

    public ValueTask DisposeAsync() => site.DisposeAsync();

    private string SrpmName => Path.GetFileName(fixture.Srpm);

    private ControllerClient Client(Uri url, string? cn = null, string? token = null, bool otherCa = false) =>
        ControllerClient.Create(site.ClientConfig(url, cn is null ? null : fixture.Certificates.Client(cn, otherCa), token));

    /// <summary>A raw SRPM upload, claiming <paramref name="sha256"/> for <paramref name="bytes"/>.</summary>
    private static async Task<HttpResponseMessage> PutSrpmAsync(HttpClient http, string name, byte[] bytes, string sha256)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, RemoteProtocol.IncomingPath(name)) { Content = new ByteArrayContent(bytes) };
        request.Headers.Add(RemoteProtocol.Sha256Header, sha256);
        return await http.SendAsync(request);
    }

    /// <summary>What a remote <c>reimzul submit</c> of a local file sends: its upload, then the build request.</summary>
    private static async Task<SubmitResult> UploadAndSubmitAsync(ControllerClient client, string path, string arch, string target, string disttag, bool scratch = false, bool now = false)
    {
        await client.UploadSrpmAsync(path, CancellationToken.None);
        return await SubmitAsync(client, Path.GetFileName(path), arch, target, disttag, scratch, now);
    }

    /// <summary>The build request for an SRPM already in the controller's incoming dir.</summary>
    private static Task<SubmitResult> SubmitAsync(ControllerClient client, string srpm, string arch, string target, string disttag, bool scratch = false, bool now = false) =>
        client.SubmitAsync(new SubmitRequest { Srpm = srpm, Arch = arch, Target = target, Disttag = disttag, Scratch = scratch, Now = now }, CancellationToken.None);

    private async Task<IReservedJob?> NextJobAsync(string tube)
    {
        await using var queue = await site.Queues.OpenConsumerAsync();
        return await queue.ReserveAsync([tube], TimeSpan.Zero);
    }

    private async Task<long> QueuedJobsAsync()
    {
        await using var queue = await site.Queues.OpenAdminAsync();
        long total = 0;
        foreach (var tube in Tubes.BuildTubes)
        {
            total += (await queue.StatsTubeAsync(tube)).Ready;
        }
        return total;
    }

    [Fact]
    public async Task AWorkerDownloadsAnIncomingSrpmWhoseChecksumMatches()
    {
        Directory.CreateDirectory(site.Paths.Incoming);
        File.Copy(fixture.Srpm, Path.Combine(site.Paths.Incoming, SrpmName));
        var url = await site.StartControllerAsync(WebAuth.Certificates);
        using var client = Client(url);
        var destination = site.Temp("worker/incoming/" + SrpmName);

        var sha256 = await client.DownloadSrpmAsync(SrpmName, destination, CancellationToken.None);

        Assert.Equal(File.ReadAllBytes(fixture.Srpm), File.ReadAllBytes(destination));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(fixture.Srpm))), sha256);
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(destination)!));
    }

    [Fact]
    public async Task DownloadingAnSrpmTheControllerLacksIsFileNotFound()
    {
        var url = await site.StartControllerAsync(WebAuth.Certificates);
        using var client = Client(url);

        var error = await Assert.ThrowsAsync<FileNotFoundException>(() => client.DownloadSrpmAsync("missing-1.0-1.src.rpm", site.Temp("x.src.rpm"), CancellationToken.None));

        Assert.Contains("missing-1.0-1.src.rpm", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(site.Temp("x.src.rpm")));
    }

    [Fact]
    public async Task ARemoteSubmitUploadsTheSrpmAndQueuesTheLocalSubmitsJobWithTheCertificateCnAsSubmitter()
    {
        var url = await site.StartControllerAsync(WebAuth.Certificates);
        using var client = Client(url, cn: "alice");

        var result = await UploadAndSubmitAsync(client, fixture.Srpm, "x86_64", "c7.1708.u", ".el7_4", scratch: true, now: true);

        Assert.Equal(File.ReadAllBytes(fixture.Srpm), File.ReadAllBytes(Path.Combine(site.Paths.Incoming, SrpmName)));
        Assert.Equal([SrpmName], Directory.GetFiles(site.Paths.Incoming).Select(Path.GetFileName));
        var job = await NextJobAsync("x86_64");
        Assert.NotNull(job);
        Assert.Equal(result.JobId, job.Id);
        Assert.Equal(Tubes.PriorityNow, job.Priority);
        Assert.True(MessageJson.TryParseBuildJob(job.Body, out var parsed, out var error), error);
        Assert.Equal(new BuildJob
        {
            Srpm = SrpmName,
            Arch = "x86_64",
            Target = "c7.1708.u.x86_64",
            Disttag = ".el7_4",
            Scratch = true,
            Submitter = "alice",
            BuildId = result.BuildId,
        }, parsed);
        Assert.Equal(("x86_64", "alice", "c7.1708.u.x86_64", 32), (result.Tube, result.Submitter, result.Target, result.BuildId.Length));
    }

    [Fact]
    public async Task ABearerTokenNamesTheSubmitterAndAnOrdinaryJobGoesToTheArchsTube()
    {
        var url = await site.StartControllerAsync(WebAuth.TokensOverHttp);
        using var client = Client(url, token: WebSite.BobToken);

        var result = await UploadAndSubmitAsync(client, fixture.Srpm, "i686", "c7", ".el7");

        var job = await NextJobAsync("i386");
        Assert.NotNull(job);
        Assert.Equal(Tubes.PriorityNormal, job.Priority);
        Assert.True(MessageJson.TryParseBuildJob(job.Body, out var parsed, out _));
        Assert.Equal(("Bob the Builder", "c7.i686", false), (parsed.Submitter, parsed.Target, parsed.Scratch));
        Assert.Equal(("i386", "Bob the Builder"), (result.Tube, result.Submitter));
    }

    [Fact]
    public async Task WithBothMethodsEnabledATokenWorksWithoutACertificate()
    {
        var url = await site.StartControllerAsync(WebAuth.Both);
        using var client = Client(url, token: WebSite.AliceToken);

        var result = await UploadAndSubmitAsync(client, fixture.Srpm, "noarch", "c7", ".el7");

        Assert.Equal("alice", result.Submitter);
    }

    [Fact]
    public async Task ASubmitWithoutCredentialsIsRefusedWith401AndQueuesNothing()
    {
        var url = await site.StartControllerAsync(WebAuth.Both);
        using var client = Client(url);

        var error = await Assert.ThrowsAsync<RemoteServiceException>(() => UploadAndSubmitAsync(client, fixture.Srpm, "x86_64", "c7", ".el7"));

        Assert.Equal(HttpStatusCode.Unauthorized, error.Status);
        Assert.Contains("authentication required", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.Exists(site.Paths.Incoming) ? Directory.GetFiles(site.Paths.Incoming) : []);
        Assert.Equal(0, await QueuedJobsAsync());
    }

    [Fact]
    public async Task ACertificateFromAnotherCaIsRefusedWith403EvenWithAValidToken()
    {
        var url = await site.StartControllerAsync(WebAuth.Both);
        using var client = Client(url, cn: "mallory", token: WebSite.AliceToken, otherCa: true);

        var error = await Assert.ThrowsAsync<RemoteServiceException>(() => UploadAndSubmitAsync(client, fixture.Srpm, "x86_64", "c7", ".el7"));

        Assert.Equal(HttpStatusCode.Forbidden, error.Status);
        Assert.Contains("CN=mallory", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, await QueuedJobsAsync());
    }

    [Fact]
    public async Task AnUnknownTokenIsRefusedWith401()
    {
        var url = await site.StartControllerAsync(WebAuth.TokensOverHttp);
        using var client = Client(url, token: "not-a-token-anyone-was-given");

        var error = await Assert.ThrowsAsync<RemoteServiceException>(() => UploadAndSubmitAsync(client, fixture.Srpm, "x86_64", "c7", ".el7"));

        Assert.Equal(HttpStatusCode.Unauthorized, error.Status);
        Assert.Contains("token is not accepted", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AServiceWithoutAnyAuthenticationRefusesWritesButServesReads()
    {
        Directory.CreateDirectory(site.Paths.Incoming);
        File.Copy(fixture.Srpm, Path.Combine(site.Paths.Incoming, SrpmName));
        var url = await site.StartControllerAsync(new WebAuth(Https: false, ClientCerts: false, Tokens: false));
        using var client = Client(url, token: WebSite.AliceToken);

        var error = await Assert.ThrowsAsync<RemoteServiceException>(() => SubmitAsync(client, SrpmName, "x86_64", "c7", ".el7"));
        await client.DownloadSrpmAsync(SrpmName, site.Temp("copy.src.rpm"), CancellationToken.None);

        Assert.Equal(HttpStatusCode.Forbidden, error.Status);
        Assert.Contains("accepts no writes", error.Message, StringComparison.Ordinal);
        Assert.True(File.Exists(site.Temp("copy.src.rpm")));
    }

    [Fact]
    public async Task AFileThatIsNotAnSrpmIsRefusedAndLeavesNothingInIncoming()
    {
        var url = await site.StartControllerAsync(WebAuth.TokensOverHttp);
        using var http = site.RawClient(url, token: WebSite.AliceToken);
        var garbage = "this is not an rpm at all, just text"u8.ToArray();

        using var response = await PutSrpmAsync(http, "fake-1.0-1.src.rpm", garbage, Convert.ToHexStringLower(SHA256.HashData(garbage)));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("'fake-1.0-1.src.rpm' is not a usable source RPM", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(site.Paths.Incoming));
    }

    [Fact]
    public async Task AnUploadThatArrivesDamagedIsRefusedWith422()
    {
        var url = await site.StartControllerAsync(WebAuth.TokensOverHttp);
        using var http = site.RawClient(url, token: WebSite.AliceToken);
        var bytes = File.ReadAllBytes(fixture.Srpm);

        using var response = await PutSrpmAsync(http, SrpmName, bytes, new string('0', 64));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains("arrived damaged", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(site.Paths.Incoming));
    }

    [Fact]
    public async Task AnotherSrpmOfTheSameNameIsAConflictWhileTheSameOneIsFine()
    {
        var url = await site.StartControllerAsync(WebAuth.TokensOverHttp);
        using var client = Client(url, token: WebSite.AliceToken);
        var first = await client.UploadSrpmAsync(fixture.Srpm, CancellationToken.None);

        var again = await client.UploadSrpmAsync(fixture.Srpm, CancellationToken.None);
        var error = await Assert.ThrowsAsync<RemoteServiceException>(() => client.UploadSrpmAsync(fixture.SameNameOtherContent, CancellationToken.None));

        Assert.Equal((true, false), (first.Created, again.Created));
        Assert.Equal(HttpStatusCode.Conflict, error.Status);
        Assert.Contains($"already holds a different SRPM named '{SrpmName}'", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(site.Paths.Incoming, error.Message, StringComparison.Ordinal);
        Assert.Equal(File.ReadAllBytes(fixture.Srpm), File.ReadAllBytes(Path.Combine(site.Paths.Incoming, SrpmName)));
    }

    [Theory]
    [InlineData("sparc", "c7", ".el7")]
    [InlineData("x86_64", "c7/../../etc", ".el7")]
    [InlineData("x86_64", "c7", ".el7 rm")]
    public async Task InvalidSubmitsAreRefusedWithTheLocalSubmitsMessage(string arch, string target, string disttag)
    {
        var url = await site.StartControllerAsync(WebAuth.TokensOverHttp);
        using var client = Client(url, token: WebSite.AliceToken);
        await client.UploadSrpmAsync(fixture.Srpm, CancellationToken.None);
        var expected = !Arches.TryValidate(arch, out var message) || !InputRules.TryValidateTarget(target, out message) || !InputRules.TryValidateDisttag(disttag, out message)
            ? message
            : throw new InvalidOperationException("the case is valid");

        var error = await Assert.ThrowsAsync<RemoteServiceException>(() => SubmitAsync(client, SrpmName, arch, target, disttag));

        Assert.Equal(HttpStatusCode.BadRequest, error.Status);
        Assert.EndsWith(expected, error.Message, StringComparison.Ordinal);
        Assert.Equal(0, await QueuedJobsAsync());
    }

    [Fact]
    public async Task SubmittingAnSrpmTheControllerLacksSaysHowToUploadIt()
    {
        var url = await site.StartControllerAsync(WebAuth.TokensOverHttp);
        using var client = Client(url, token: WebSite.AliceToken);

        var error = await Assert.ThrowsAsync<RemoteServiceException>(() => SubmitAsync(client, "nothere-1.0-1.src.rpm", "x86_64", "c7", ".el7"));

        Assert.Equal(HttpStatusCode.BadRequest, error.Status);
        Assert.Contains("SRPM 'nothere-1.0-1.src.rpm' is not in the incoming dir of the controller (give a path, e.g. ./nothere-1.0-1.src.rpm", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(site.Paths.Incoming, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("..%2F..%2Fqueue.db")]
    [InlineData("%2e%2e")]
    [InlineData(".hidden.src.rpm")]
    [InlineData("queue.db")]
    public async Task DownloadsCannotReachOutsideTheIncomingDir(string rawName)
    {
        Directory.CreateDirectory(site.Paths.Incoming);
        File.WriteAllText(Path.Combine(site.Paths.Incoming, ".hidden.src.rpm"), "temp");
        File.WriteAllText(site.Paths.QueueDatabase + ".secret", "secret");
        var url = await site.StartControllerAsync(WebAuth.Certificates);
        using var http = site.RawClient(url);

        using var response = await http.GetAsync(RemoteProtocol.IncomingPrefix + "/" + rawName);

        // Refused by the name check (400), or by routing when the client already resolved the dots (404); never served.
        Assert.Contains(response.StatusCode, new[] { HttpStatusCode.BadRequest, HttpStatusCode.NotFound });
        Assert.DoesNotContain("secret", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
