using System.Runtime.Versioning;
using Microsoft.Extensions.Logging.Abstractions;
using Reimzul.Config;
using Reimzul.Processes;
using Reimzul.ResultStores;
using Reimzul.Tests.Support;
using Reimzul.Worker;

namespace Reimzul.Tests.ResultStores;

/// <summary>Timestamps reserved in a real rsync daemon's module by builders that share nothing else.</summary>
[SupportedOSPlatform("linux")]
public sealed class RsyncResultStoreReservationTests(RsyncdFixture daemon) : IClassFixture<RsyncdFixture>, IDisposable
{
    private const string Target = "c7.1708.u.x86_64";
    private const string Proposed = "20240102030405";

    private readonly TempDir _local = new("reimzul-rsync-reserve");
    private readonly string _root = "t" + Guid.NewGuid().ToString("N");

    public void Dispose() => _local.Dispose();

    private RsyncResultStore Store() => new(new RsyncOptions
    {
        ModuleUrl = daemon.Server.Url + "/" + _root,
        RetryDelay = TimeSpan.FromMilliseconds(50),
        MaxRetryDelay = TimeSpan.FromMilliseconds(200),
        IoTimeout = TimeSpan.FromSeconds(10),
    }, ProcessRunner.Default, NullLogger.Instance);

    private string PkgDir => Path.Combine(daemon.Server.ModuleDir, _root, "repo", Target, "hello");

    [Fact]
    public async Task BuildersRacingForOneSecondAllGetDifferentTimestampsAndEachGetsItsOwnBack()
    {
        var timestamps = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            Task.Run(() => Store().ReserveTimestampAsync(new TimestampReservation(Target, "hello", $"build-{i}", Proposed), CancellationToken.None))));
        var again = await Store().ReserveTimestampAsync(new TimestampReservation(Target, "hello", "build-3", "20240102060000"), CancellationToken.None);

        Assert.Equal(8, timestamps.Distinct().Count());
        Assert.All(timestamps, t => Assert.True(Directory.Exists(Path.Combine(PkgDir, t)), $"no dir for {t}"));
        Assert.Equal(timestamps[3], again);
    }

    [Fact]
    public async Task ASecondWithAResultOfAnotherBuildIsSkipped()
    {
        Directory.CreateDirectory(Path.Combine(PkgDir, Proposed, "1.0-1.el7.x86_64"));

        var timestamp = await Store().ReserveTimestampAsync(new TimestampReservation(Target, "hello", "build-1", Proposed), CancellationToken.None);

        Assert.Equal("20240102030406", timestamp);
    }

    [Fact]
    public async Task AStoredOutcomeIsFoundAndAMissingOneIsNot()
    {
        var place = new ResultPlace(Target, "hello", Proposed, "1.0-1.el7", "x86_64");
        var result = _local.Combine("result");
        Directory.CreateDirectory(result);
        File.WriteAllText(Path.Combine(result, "build.log"), "ok");
        File.WriteAllText(Path.Combine(result, StoredOutcome.FileName), new StoredOutcome { BuildId = "build-1", Status = "Failed", Reason = "rpmbuild exited with 1" }.ToJson());
        var before = await Store().FindStoredAsync(place, CancellationToken.None);

        await Store().StoreAsync(new StoredResult(result, Target, "hello", Proposed, "1.0-1.el7", "x86_64"), CancellationToken.None);

        Assert.Null(before);
        Assert.Equal(new StoredOutcome { BuildId = "build-1", Status = "Failed", Reason = "rpmbuild exited with 1" }, await Store().FindStoredAsync(place, CancellationToken.None));
    }
}
