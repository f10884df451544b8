using System.Runtime.Versioning;
using Microsoft.Extensions.Logging.Abstractions;
using Reimzul.Config;
using Reimzul.Processes;
using Reimzul.Protocol;
using Reimzul.Repogen;
using Reimzul.ResultStores;
using Reimzul.Tests.Support;
using Reimzul.Worker;

namespace Reimzul.Tests.ResultStores;

/// <summary>A target's packages published once through a real rsync daemon, by builders that share nothing else.</summary>
[SupportedOSPlatform("linux")]
[Collection(StoreCollection.Name)]
public sealed class RsyncResultStoreNevraTests(StoreRpms rpms, RsyncdFixture daemon) : IClassFixture<RsyncdFixture>, IDisposable
{
    private const string Target = "c7.1708.u.x86_64";
    private const string Proposed = "20240102030405";

    private readonly TempDir _local = new("reimzul-rsync-nevra");
    private readonly string _root = "t" + Guid.NewGuid().ToString("N");

    public void Dispose() => _local.Dispose();

    // What the module holds for this test: the bstore's /srv/reimzul/bstore.
    private string Bstore => Path.Combine(daemon.Server.ModuleDir, _root);

    private string RepoDir => Path.Combine(Bstore, "repo", Target);

    // The bstore host's own view of the module, as its HTTP uploads and createrepo_c see it.
    private ReimzulPaths BstorePaths => ReimzulPaths.UnderDataDir(_local.Combine("data")) with { Repo = Path.Combine(Bstore, "repo") };

    // A store per caller, as separate builders would each have one.
    private RsyncResultStore Store() => new(new RsyncOptions
    {
        ModuleUrl = daemon.Server.Url + "/" + _root,
        RetryDelay = TimeSpan.FromMilliseconds(50),
        MaxRetryDelay = TimeSpan.FromMilliseconds(200),
        IoTimeout = TimeSpan.FromSeconds(10),
    }, ProcessRunner.Default, NullLogger.Instance);

    private string MakeResult(BuiltRpm rpm, string log)
    {
        var dir = _local.Combine("result-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        File.Copy(rpm.Path, Path.Combine(dir, rpm.FileName));
        File.WriteAllText(Path.Combine(dir, "build.log"), log);
        return dir;
    }

    private async Task<string> StoreBuildAsync(IResultStore store, BuiltRpm rpm, string buildId, string log, bool replace = false)
    {
        var timestamp = await store.ReserveTimestampAsync(new TimestampReservation(Target, rpm.Name, buildId, Proposed), CancellationToken.None);
        await store.StoreAsync(new StoredResult(MakeResult(rpm, log), Target, rpm.Name, timestamp, rpm.Evr, rpm.Arch, replace), CancellationToken.None);
        return timestamp;
    }

    /// <summary>Every package createrepo_c indexes in the target, duplicates kept.</summary>
    private async Task<IReadOnlyList<string>> IndexedAsync()
    {
        var regenerator = new RepoRegenerator(BstorePaths, new RepogenOptions { Workers = 1 }, ProcessRunner.Default, NullLogger.Instance);
        await regenerator.RequestAsync(Target, CancellationToken.None);
        await regenerator.RunPendingAsync(Target, CancellationToken.None);
        return [.. RepoPrimary.Read(RepoDir).Select(p => p.Nevra)];
    }

    [Fact]
    public async Task APackageAnotherBuildPublishedIsRefusedWithTheReasonAndTheRepoListsItOnce()
    {
        var rpm = rpms.Packages[0];
        var first = await StoreBuildAsync(Store(), rpm, "build-a", "first");
        var second = await Store().ReserveTimestampAsync(new TimestampReservation(Target, rpm.Name, "build-b", Proposed), CancellationToken.None);
        var result = MakeResult(rpm, "second");

        var refused = await Assert.ThrowsAsync<InvalidDataException>(() =>
            Store().StoreAsync(new StoredResult(result, Target, rpm.Name, second, rpm.Evr, rpm.Arch), CancellationToken.None));

        Assert.Equal($"{rpm.Nevra} is already published in target {Target} by build {first}; resubmit with --replace to replace it", refused.Message);
        Assert.True(Directory.Exists(result), "the refused result was removed");
        Assert.False(Directory.Exists(Path.Combine(RepoDir, rpm.Name, second, $"{rpm.Evr}.{rpm.Arch}")), "the refused result was published");
        Assert.Equal([rpm.Nevra], await IndexedAsync());
    }

    [Fact]
    public async Task TheSameBuildStoringItsResultAgainIsNotRefused()
    {
        var rpm = rpms.Packages[1];
        var timestamp = await StoreBuildAsync(Store(), rpm, "build-a", "first");

        await Store().StoreAsync(new StoredResult(MakeResult(rpm, "first"), Target, rpm.Name, timestamp, rpm.Evr, rpm.Arch), CancellationToken.None);

        Assert.Equal("first", File.ReadAllText(Path.Combine(RepoDir, rpm.Name, timestamp, $"{rpm.Evr}.{rpm.Arch}", "build.log")));
        Assert.Equal([rpm.Nevra], await IndexedAsync());
    }

    [Fact]
    public async Task AReplacingBuildMovesTheOlderOneToTheAtticAndTheRepoListsThePackageOnce()
    {
        var rpm = rpms.Packages[2];
        var first = await StoreBuildAsync(Store(), rpm, "build-a", "first");

        var second = await StoreBuildAsync(Store(), rpm, "build-b", "second", replace: true);

        Assert.NotEqual(first, second);
        Assert.False(Directory.Exists(Path.Combine(RepoDir, rpm.Name, first)), "the older build is still in the repo");
        var attic = Path.Combine(Bstore, "attic", Target, rpm.Name, first, $"{rpm.Evr}.{rpm.Arch}");
        Assert.Equal("first", File.ReadAllText(Path.Combine(attic, "build.log")));
        Assert.True(File.Exists(Path.Combine(attic, rpm.FileName)), "the older build's package is not in the attic");
        Assert.Equal("second", File.ReadAllText(Path.Combine(RepoDir, rpm.Name, second, $"{rpm.Evr}.{rpm.Arch}", "build.log")));
        Assert.Equal([rpm.Nevra], await IndexedAsync());
    }

    [Fact]
    public async Task BuildersRacingToPublishOnePackageAtMostOneWinsAndTheRepoListsItAtMostOnce()
    {
        var rpm = rpms.Packages[3];
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => Task.Run(async () =>
        {
            try
            {
                return await StoreBuildAsync(Store(), rpm, $"build-{i}", $"build {i}");
            }
            catch (InvalidDataException ex) when (ResultManifests.IsAlreadyPublished(ex.Message))
            {
                return null;
            }
        })));

        var winners = outcomes.OfType<string>().ToList();
        Assert.True(winners.Count <= 1, $"{winners.Count} builds published {rpm.Nevra}: {string.Join(", ", winners)}");
        var published = Directory.EnumerateDirectories(Path.Combine(RepoDir, rpm.Name), $"{rpm.Evr}.{rpm.Arch}", SearchOption.AllDirectories).ToList();
        Assert.Equal(winners.Count, published.Count);
        Assert.Equal(winners.Count, (await IndexedAsync()).Count(n => n == rpm.Nevra));
        Assert.DoesNotContain(Directory.EnumerateFileSystemEntries(Path.Combine(RepoDir, ".reimzul"), "*", SearchOption.AllDirectories),
            entry => entry.EndsWith(".rpm", StringComparison.Ordinal));
    }

    [Fact]
    public async Task APackageTheBstorePublishedFromAnHttpUploadIsRefusedThroughRsyncAndTheOtherWayRound()
    {
        var local = new LocalResultStore(BstorePaths, NullLogger.Instance);
        var fromHttp = rpms.Packages[4];
        var fromRsync = rpms.Packages[5];
        var first = await StoreBuildAsync(local, fromHttp, "build-a", "first");
        var rsynced = await StoreBuildAsync(Store(), fromRsync, "build-b", "first");

        var refusedByRsync = await Assert.ThrowsAsync<InvalidDataException>(() => StoreBuildAsync(Store(), fromHttp, "build-c", "second"));
        var refusedByLocal = await Assert.ThrowsAsync<InvalidDataException>(() => StoreBuildAsync(local, fromRsync, "build-d", "second"));

        Assert.Equal($"{fromHttp.Nevra} is already published in target {Target} by build {first}; resubmit with --replace to replace it", refusedByRsync.Message);
        Assert.Equal($"{fromRsync.Nevra} is already published in target {Target} by build {rsynced}; resubmit with --replace to replace it", refusedByLocal.Message);
        Assert.Equal([fromHttp.Nevra, fromRsync.Nevra], (await IndexedAsync()).Order(StringComparer.Ordinal));
    }
}
