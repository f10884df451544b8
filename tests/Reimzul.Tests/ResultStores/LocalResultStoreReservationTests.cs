using Microsoft.Extensions.Logging.Abstractions;
using Reimzul.Config;
using Reimzul.Processes;
using Reimzul.Repogen;
using Reimzul.ResultStores;
using Reimzul.Tests.Support;
using Reimzul.Worker;

namespace Reimzul.Tests.ResultStores;

/// <summary>Timestamps handed out by the one-machine store, and a target's packages published once.</summary>
[Collection(StoreCollection.Name)]
public sealed class LocalResultStoreReservationTests(StoreRpms rpms) : IDisposable
{
    private const string Target = "c7.1708.u.x86_64";
    private const string Proposed = "20240102030405";
    private readonly StoreLayout _layout = new();

    public void Dispose() => _layout.Dispose();

    // A store per caller, as separate worker processes would each have one.
    private LocalResultStore Store() => new(_layout.Paths, NullLogger.Instance);

    private string MakeResult(BuiltRpm rpm, string log)
    {
        var dir = Path.Combine(_layout.Paths.Results, "result-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        File.Copy(rpm.Path, Path.Combine(dir, rpm.FileName));
        File.WriteAllText(Path.Combine(dir, "build.log"), log);
        return dir;
    }

    private async Task<string> StoreBuildAsync(BuiltRpm rpm, string buildId, string log, bool replace = false)
    {
        var timestamp = await Store().ReserveTimestampAsync(new TimestampReservation(Target, rpm.Name, buildId, Proposed), CancellationToken.None);
        await Store().StoreAsync(new StoredResult(MakeResult(rpm, log), Target, rpm.Name, timestamp, rpm.Evr, rpm.Arch, replace), CancellationToken.None);
        return timestamp;
    }

    private async Task<IReadOnlyList<string>> RepoListingAsync()
    {
        var regenerator = new RepoRegenerator(_layout.Paths, new RepogenOptions { Workers = 2 }, ProcessRunner.Default, NullLogger.Instance);
        await regenerator.RequestAsync(Target, CancellationToken.None);
        await regenerator.RunPendingAsync(Target, CancellationToken.None);
        return await _layout.RepoqueryAsync(_layout.RepoDir(Target));
    }

    [Fact]
    public async Task ManyBuildsOfOnePackageAskingForTheSameSecondAtOnceAllGetDifferentTimestamps()
    {
        var reservations = Enumerable.Range(0, 40)
            .Select(i => Task.Run(() => Store().ReserveTimestampAsync(new TimestampReservation(Target, "hello", $"build-{i}", Proposed), CancellationToken.None)));

        var timestamps = await Task.WhenAll(reservations);

        Assert.Equal(40, timestamps.Distinct().Count());
        Assert.Contains(Proposed, timestamps);
        Assert.All(timestamps, t => Assert.Matches("^2024010203[0-9]{4}$", t));
        Assert.All(timestamps, t => Assert.True(Directory.Exists(Path.Combine(_layout.RepoDir(Target), "hello", t)), $"no dir for {t}"));
    }

    [Fact]
    public async Task ABuildAskingAgainGetsItsFirstTimestampBackEvenAtALaterTime()
    {
        var first = await Store().ReserveTimestampAsync(new TimestampReservation(Target, "hello", "build-a", Proposed), CancellationToken.None);
        var other = await Store().ReserveTimestampAsync(new TimestampReservation(Target, "hello", "build-b", Proposed), CancellationToken.None);

        var again = await Store().ReserveTimestampAsync(new TimestampReservation(Target, "hello", "build-a", "20240102040000"), CancellationToken.None);

        Assert.Equal((Proposed, "20240102030406", Proposed), (first, other, again));
    }

    [Fact]
    public async Task APackageOfAnotherPackageOrTargetDoesNotTakeTheSecond()
    {
        var hello = await Store().ReserveTimestampAsync(new TimestampReservation(Target, "hello", "build-a", Proposed), CancellationToken.None);
        var world = await Store().ReserveTimestampAsync(new TimestampReservation(Target, "world", "build-b", Proposed), CancellationToken.None);
        var elsewhere = await Store().ReserveTimestampAsync(new TimestampReservation("c7.1708.u.i386", "hello", "build-c", Proposed), CancellationToken.None);

        Assert.Equal([Proposed, Proposed, Proposed], [hello, world, elsewhere]);
    }

    [Theory]
    [InlineData("2024010203040", "is not %Y%m%d%H%M%S")]
    [InlineData("../../etc/x", "is not %Y%m%d%H%M%S")]
    public async Task AProposedTimestampThatIsNotOneIsRefused(string proposed, string reason)
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => Store().ReserveTimestampAsync(new TimestampReservation(Target, "hello", "build-a", proposed), CancellationToken.None));

        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task APackageAnotherBuildOfTheTargetPublishesIsRefusedWithTheReasonAndTheRepoListsItOnce()
    {
        var rpm = rpms.Packages[3];
        var first = await StoreBuildAsync(rpm, "build-a", "first");
        var second = await Store().ReserveTimestampAsync(new TimestampReservation(Target, rpm.Name, "build-b", Proposed), CancellationToken.None);
        var result = MakeResult(rpm, "second");

        var refused = await Assert.ThrowsAsync<InvalidDataException>(() =>
            Store().StoreAsync(new StoredResult(result, Target, rpm.Name, second, rpm.Evr, rpm.Arch), CancellationToken.None));

        Assert.Equal($"{rpm.Nevra} is already published in target {Target} by build {first}; resubmit with --replace to replace it", refused.Message);
        Assert.True(Directory.Exists(result), "the refused result was not handed back");
        Assert.False(Directory.Exists(Path.Combine(_layout.RepoDir(Target), rpm.Name, second, $"{rpm.Evr}.{rpm.Arch}")));
        Assert.Equal([rpm.Nevra], await RepoListingAsync());
    }

    [Fact]
    public async Task AReplacingBuildMovesTheOlderOneOutOfTheRepoAndTheRepoListsThePackageOnce()
    {
        var rpm = rpms.Packages[4];
        var first = await StoreBuildAsync(rpm, "build-a", "first");

        var second = await StoreBuildAsync(rpm, "build-b", "second", replace: true);

        var repo = _layout.RepoDir(Target);
        Assert.False(Directory.Exists(Path.Combine(repo, rpm.Name, first)), "the older build is still in the repo");
        Assert.Equal("first", File.ReadAllText(Path.Combine(_layout.Root, "bstore", "attic", Target, rpm.Name, first, $"{rpm.Evr}.{rpm.Arch}", "build.log")));
        Assert.Equal("second", File.ReadAllText(Path.Combine(repo, rpm.Name, second, $"{rpm.Evr}.{rpm.Arch}", "build.log")));
        Assert.Equal([rpm.Nevra], await RepoListingAsync());
    }

    [Fact]
    public async Task TheSameBuildStoringItsResultAgainIsNotRefused()
    {
        var rpm = rpms.Packages[5];
        var timestamp = await StoreBuildAsync(rpm, "build-a", "first");

        await Store().StoreAsync(new StoredResult(MakeResult(rpm, "first"), Target, rpm.Name, timestamp, rpm.Evr, rpm.Arch), CancellationToken.None);

        Assert.Equal([rpm.Nevra], await RepoListingAsync());
    }

    [Fact]
    public async Task AStoredResultIsFoundWithItsOutcomeAndAnUnstoredOneIsNot()
    {
        var rpm = rpms.Packages[6];
        var timestamp = await Store().ReserveTimestampAsync(new TimestampReservation(Target, rpm.Name, "build-a", Proposed), CancellationToken.None);
        var result = MakeResult(rpm, "ok");
        File.WriteAllText(Path.Combine(result, StoredOutcome.FileName), new StoredOutcome { BuildId = "build-a", Status = "Success", DurationSeconds = 1.5 }.ToJson());
        var place = new ResultPlace(Target, rpm.Name, timestamp, rpm.Evr, rpm.Arch);
        var before = await Store().FindStoredAsync(place, CancellationToken.None);

        await Store().StoreAsync(new StoredResult(result, Target, rpm.Name, timestamp, rpm.Evr, rpm.Arch), CancellationToken.None);

        Assert.Null(before);
        Assert.Equal(new StoredOutcome { BuildId = "build-a", Status = "Success", DurationSeconds = 1.5 }, await Store().FindStoredAsync(place, CancellationToken.None));
        Assert.Null(await Store().FindStoredAsync(place with { Arch = "i386" }, CancellationToken.None));
    }
}
