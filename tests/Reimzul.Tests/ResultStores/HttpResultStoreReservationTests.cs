using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Reimzul.Config;
using Reimzul.Processes;
using Reimzul.Protocol;
using Reimzul.Repogen;
using Reimzul.ResultStores;
using Reimzul.Retry;
using Reimzul.Tests.Support;
using Reimzul.Tests.Web;
using Reimzul.Worker;

namespace Reimzul.Tests.ResultStores;

/// <summary>Timestamps and one-package-once publication when many workers on many hosts share one bstore.</summary>
[Collection(WebCollection.Name)]
public sealed class HttpResultStoreReservationTests(WebFixture fixture, StoreRpms rpms) : IClassFixture<StoreRpms>, IAsyncDisposable
{
    private const string Target = "c7.1708.u.x86_64";
    private const string Proposed = "20240102030405";
    private static readonly RetryPolicy Quick = new(TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(200)) { GiveUpWithoutProgress = TimeSpan.FromSeconds(10) };

    private readonly WebSite _site = new(fixture.Certificates);
    private readonly List<HttpClient> _clients = [];

    public async ValueTask DisposeAsync()
    {
        _clients.ForEach(c => c.Dispose());
        await _site.DisposeAsync();
    }

    /// <summary>A worker's store on a connection of its own, as on its own host.</summary>
    private HttpResultStore Store(Uri url)
    {
        var certificate = fixture.Certificates.Client("builder1");
        var http = new HttpClient(RemoteHttp.CreateHandler(new TlsOptions { CaCert = fixture.Certificates.CaCertPath, ClientCert = certificate.CertPath, ClientKey = certificate.KeyPath })) { BaseAddress = url };
        _clients.Add(http);
        return new HttpResultStore(new BstoreClient(http), Quick, NullLogger.Instance);
    }

    private string MakeResult(BuiltRpm rpm, string log, string buildId)
    {
        var dir = _site.Temp("result-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        File.Copy(rpm.Path, Path.Combine(dir, rpm.FileName));
        File.WriteAllText(Path.Combine(dir, "build.log"), log);
        File.WriteAllText(Path.Combine(dir, StoredOutcome.FileName), new StoredOutcome { BuildId = buildId, Status = "Success" }.ToJson());
        return dir;
    }

    private async Task<string> StoreBuildAsync(Uri url, BuiltRpm rpm, string buildId, string log, bool replace = false)
    {
        var store = Store(url);
        var timestamp = await store.ReserveTimestampAsync(new TimestampReservation(Target, rpm.Name, buildId, Proposed), CancellationToken.None);
        await store.StoreAsync(new StoredResult(MakeResult(rpm, log, buildId), Target, rpm.Name, timestamp, rpm.Evr, rpm.Arch, replace), CancellationToken.None);
        return timestamp;
    }

    private async Task<IReadOnlyList<string>> RepoListingAsync()
    {
        var regenerator = new RepoRegenerator(_site.Paths, new RepogenOptions { Workers = 2 }, ProcessRunner.Default, NullLogger.Instance);
        await regenerator.RequestAsync(Target, CancellationToken.None);
        await regenerator.RunPendingAsync(Target, CancellationToken.None);
        return await RepoQuery.ListAsync(Path.Combine(_site.Paths.Repo, Target));
    }

    [Fact]
    public async Task ManyWorkersAskingBstoreForTheSameSecondAtOnceAllGetDifferentTimestamps()
    {
        var url = await _site.StartBstoreAsync(WebAuth.Certificates);
        var stores = Enumerable.Range(0, 30).Select(_ => Store(url)).ToList();

        var timestamps = await Task.WhenAll(stores.Select((store, i) =>
            store.ReserveTimestampAsync(new TimestampReservation(Target, "hello", $"build-{i}", Proposed), CancellationToken.None)));
        var again = await Store(url).ReserveTimestampAsync(new TimestampReservation(Target, "hello", "build-7", "20240102050000"), CancellationToken.None);

        Assert.Equal(30, timestamps.Distinct().Count());
        Assert.Contains(Proposed, timestamps);
        Assert.Equal(timestamps[7], again);
    }

    [Fact]
    public async Task AReservationWithoutAWritersCredentialsIsRefused()
    {
        var url = await _site.StartBstoreAsync(WebAuth.TokensOverHttp);
        using var http = _site.RawClient(url);

        using var response = await http.PostAsJsonAsync("bstore/timestamps", new TimestampRequest { Target = Target, PkgName = "hello", BuildId = "b", Proposed = Proposed }, RemoteJsonContext.Default.TimestampRequest);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.False(Directory.Exists(Path.Combine(_site.Paths.Repo, Target)), "the refused reservation made a dir");
    }

    [Theory]
    [InlineData("../../etc", "hello", Proposed)]
    [InlineData(Target, "repodata", Proposed)]
    [InlineData(Target, "hello", "../../x")]
    [InlineData(Target, "hello", "2024")]
    public async Task AReservationWithANameBstoreRefusesIsABadRequestWithTheReason(string target, string pkgName, string proposed)
    {
        var url = await _site.StartBstoreAsync(WebAuth.Certificates);

        var error = await Assert.ThrowsAsync<RemoteServiceException>(() =>
            Store(url).ReserveTimestampAsync(new TimestampReservation(target, pkgName, "build-1", proposed), CancellationToken.None));

        Assert.Equal(HttpStatusCode.BadRequest, error.Status);
        Assert.Empty(Directory.GetFileSystemEntries(_site.Paths.Repo));
    }

    [Fact]
    public async Task APackageAnotherBuildPublishesIsRefusedFinallyWithTheReasonAndReplaceTakesItsPlace()
    {
        var url = await _site.StartBstoreAsync(WebAuth.Certificates);
        var rpm = rpms.Packages[7];
        var first = await StoreBuildAsync(url, rpm, "build-a", "first");

        var refused = await Assert.ThrowsAsync<InvalidDataException>(() => StoreBuildAsync(url, rpm, "build-b", "second"));
        var listedAfterRefusal = await RepoListingAsync();
        var third = await StoreBuildAsync(url, rpm, "build-c", "third", replace: true);

        Assert.Equal($"{rpm.Nevra} is already published in target {Target} by build {first}; resubmit with --replace to replace it", refused.Message);
        Assert.Equal([rpm.Nevra], listedAfterRefusal);
        Assert.Equal([rpm.Nevra], await RepoListingAsync());
        Assert.False(Directory.Exists(Path.Combine(_site.Paths.Repo, Target, rpm.Name, first)), "the replaced build is still in the repo");
        Assert.Equal("third", File.ReadAllText(Path.Combine(_site.Paths.Repo, Target, rpm.Name, third, $"{rpm.Evr}.{rpm.Arch}", "build.log")));
        var found = await Store(url).FindStoredAsync(new ResultPlace(Target, rpm.Name, third, rpm.Evr, rpm.Arch), CancellationToken.None);
        Assert.Equal(new StoredOutcome { BuildId = "build-c", Status = "Success" }, found);
        Assert.Null(await Store(url).FindStoredAsync(new ResultPlace(Target, rpm.Name, first, rpm.Evr, rpm.Arch), CancellationToken.None));
        // The ledger lives in the repo tree but is not served.
        Assert.True(File.Exists(Path.Combine(_site.Paths.Repo, Target, ".reimzul", "lock")));
        using var reader = _site.RawClient(url);
        using var ledger = await reader.GetAsync($"bstore/repo/{Target}/.reimzul/lock");
        Assert.Equal(HttpStatusCode.NotFound, ledger.StatusCode);
    }
}
