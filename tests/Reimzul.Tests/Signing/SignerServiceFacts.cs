using Microsoft.Extensions.Logging.Abstractions;
using Reimzul.Messages;
using Reimzul.Queue.Embedded;
using Reimzul.Signing;
using Reimzul.Tests.Support;

namespace Reimzul.Tests.Signing;

/// <summary>The signer role on the real embedded queue, staging real RPMs from a store laid out as workers leave it.</summary>
[Collection(StoreCollection.Name)]
public sealed class SignerServiceFacts(StoreRpms rpms) : IAsyncLifetime, IDisposable
{
    private const string Target = "c7.1708.u.x86_64";
    private const string Timestamp = "20240102030405";

    private readonly StoreLayout _layout = new();
    private readonly ManualTimeProvider _clock = new();
    private EmbeddedJobQueueFactory _queues = null!;
    private QueueProbe _probe = null!;
    private RunningService? _running;

    private string TosignDir => Path.Combine(_layout.Paths.Tosign, Target);

    public Task InitializeAsync()
    {
        _queues = new EmbeddedJobQueueFactory(_layout.Paths.QueueDatabase, _clock);
        _probe = new QueueProbe(_queues);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        if (_running is not null)
        {
            await _running.DisposeAsync();
        }
        await _probe.DisposeAsync();
    }

    public void Dispose() => _layout.Dispose();

    private async Task StartAsync() =>
        _running = await RunningService.StartAsync(new SignerService(_queues, new Signer(_layout.Paths, NullLogger.Instance), NullLogger<SignerService>.Instance, _clock));

    private static string Request(BuiltRpm rpm) => MessageJson.Serialize(new TosignRequest
    {
        PkgName = rpm.Name,
        Status = BuildStatus.Success,
        Target = Target,
        Arch = "x86_64",
        Timestamp = Timestamp,
        BuildId = "build-1",
    });

    private string[] Staged() => Directory.GetFiles(TosignDir).Select(f => Path.GetFileName(f)!).Order(StringComparer.Ordinal).ToArray();

    [Fact]
    public async Task ATosignRequestCopiesTheRpmsOfThatBuildToTheStagingDirOfItsTargetAndIsDeleted()
    {
        var (built, other) = (rpms.Packages[0], rpms.Packages[1]);
        _layout.PlaceBuild(Target, built, Timestamp);
        _layout.PlaceBuild(Target, other, Timestamp);
        await _probe.PutAsync(Tubes.Tosign, Request(built));

        await StartAsync();
        await _probe.WaitUntilAllDeletedAsync(Tubes.Tosign, putCount: 1);

        Assert.Equal([built.FileName], Staged());
        Assert.Equal(await File.ReadAllBytesAsync(built.Path), await File.ReadAllBytesAsync(Path.Combine(TosignDir, built.FileName)));
    }

    [Theory]
    [InlineData("""{"pkgname":"../../../etc","status":"Success","target":"c7.1708.u.x86_64","arch":"x86_64","timestamp":"20240102030405"}""", "pkgname '../../../etc'")]
    [InlineData("""{"pkgname":"storea","status":"Success","target":"c7/../..","arch":"x86_64","timestamp":"20240102030405"}""", "target 'c7/../..'")]
    [InlineData("""{"pkgname":"storea","status":"Success","target":"c7.1708.u.x86_64","arch":"x86_64","timestamp":".."}""", "timestamp '..' is not allowed")]
    [InlineData("""{"pkgname":"storea","status":"Success"}""", "missing or empty field(s): target, timestamp")]
    [InlineData("sign it", "body is not a valid JSON object")]
    public async Task ARequestWithANameThatIsNotOnePathSegmentIsBuriedWithTheReasonAndNothingIsStaged(string body, string reason)
    {
        _layout.PlaceBuild(Target, rpms.Packages[0], Timestamp);
        var id = await _probe.PutAsync(Tubes.Tosign, body);

        await StartAsync();
        var buried = await _probe.WaitForBuriedAsync(Tubes.Tosign);

        Assert.Equal((id, body), (buried.Id, buried.Body));
        Assert.Contains(reason, buried.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain("(Parameter", buried.Reason, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_layout.Paths.Tosign), "something was staged");
    }

    [Fact]
    public async Task ARepeatedRequestLeavesTheStagedRpmsAsTheyWere()
    {
        var built = rpms.Packages[0];
        _layout.PlaceBuild(Target, built, Timestamp);
        await _probe.PutAsync(Tubes.Tosign, Request(built));
        await StartAsync();
        await _probe.WaitUntilAllDeletedAsync(Tubes.Tosign, putCount: 1);
        var staged = Path.Combine(TosignDir, built.FileName);
        // A copy made again would carry the time it was made.
        var marked = new DateTime(2001, 2, 3, 4, 5, 6, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(staged, marked);

        await _probe.PutAsync(Tubes.Tosign, Request(built));
        await _probe.WaitUntilAllDeletedAsync(Tubes.Tosign, putCount: 2);

        Assert.Equal([built.FileName], Staged());
        Assert.Equal(marked, File.GetLastWriteTimeUtc(staged));
        Assert.Equal(await File.ReadAllBytesAsync(built.Path), await File.ReadAllBytesAsync(staged));
    }
}
