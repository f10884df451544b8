using static Reimzul.Tests.History.BuildEvents;
using Reimzul.Messages;
using Reimzul.Notify;
using Reimzul.Tests.Support;

namespace Reimzul.Tests.Notify;

public sealed class LogFileSinkTests : IDisposable
{
    // The notifier's host runs at UTC+1; the log shows its local time, as time.asctime() did.
    private static readonly TimeZoneInfo HostZone =
        TimeZoneInfo.CreateCustomTimeZone("UTC+1", TimeSpan.FromHours(1), "UTC+1", "UTC+1");

    private readonly TempDir dir = new("reimzul-log");

    private string LogPath => dir.Combine("log", "reimzul.log");

    public void Dispose() => dir.Dispose();

    private LogFileSink SinkAt(DateTimeOffset utc) => new(LogPath, new FixedTimeProvider(utc, HostZone));

    [Fact]
    public async Task TheLineIsTheOriginalNotifiersLineInLocalTime()
    {
        var sink = SinkAt(new DateTimeOffset(2026, 11, 25, 15, 46, 2, TimeSpan.Zero));

        await sink.EmitAsync(Event(BuildStatus.Success), CancellationToken.None);

        Assert.Equal(
            "[Wed Nov 25 16:46:02 2026] Build job SRPM hello-1.0-1.el7.src.rpm (20261125164602) for arch x86_64 " +
            "builder builder1.example.org status Success [1.0-1.el7] (Scratch job: False) submitted by alice\n",
            await File.ReadAllTextAsync(LogPath));
    }

    [Fact]
    public async Task ADayBeforeTheTenthIsPaddedWithASpaceAndAScratchJobPrintsTrue()
    {
        var sink = SinkAt(new DateTimeOffset(2026, 11, 5, 8, 3, 7, TimeSpan.Zero));

        await sink.EmitAsync(Event(BuildStatus.Building, scratch: true), CancellationToken.None);

        Assert.Equal(
            "[Thu Nov  5 09:03:07 2026] Build job SRPM hello-1.0-1.el7.src.rpm (20261125164602) for arch x86_64 " +
            "builder builder1.example.org status Building [1.0-1.el7] (Scratch job: True) submitted by alice\n",
            await File.ReadAllTextAsync(LogPath));
    }

    [Fact]
    public async Task AMissingSubmitterPrintsNoneAsPythonWould()
    {
        var sink = SinkAt(new DateTimeOffset(2026, 12, 31, 23, 30, 0, TimeSpan.Zero));

        await sink.EmitAsync(Event(BuildStatus.Failed, submitter: null), CancellationToken.None);

        Assert.Equal(
            "[Fri Jan  1 00:30:00 2027] Build job SRPM hello-1.0-1.el7.src.rpm (20261125164602) for arch x86_64 " +
            "builder builder1.example.org status Failed [1.0-1.el7] (Scratch job: False) submitted by None\n",
            await File.ReadAllTextAsync(LogPath));
    }

    [Fact]
    public async Task LinesAreAppendedToWhatTheLogAlreadyHolds()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(LogPath)!);
        await File.WriteAllTextAsync(LogPath, "an older line \r\n");
        var sink = SinkAt(new DateTimeOffset(2026, 11, 25, 15, 46, 2, TimeSpan.Zero));

        await sink.EmitAsync(Event(BuildStatus.Building), CancellationToken.None);
        await sink.EmitAsync(Event(BuildStatus.Success), CancellationToken.None);

        var lines = (await File.ReadAllTextAsync(LogPath)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.Equal("an older line \r", lines[0]);
        Assert.Contains("status Building", lines[1], StringComparison.Ordinal);
        Assert.Contains("status Success", lines[2], StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheLogDirectoryIsCreatedWhenMissing()
    {
        var nested = dir.Combine("var", "log", "reimzul", "reimzul.log");
        var sink = new LogFileSink(nested, new FixedTimeProvider(DateTimeOffset.UnixEpoch));

        await sink.EmitAsync(Event(BuildStatus.Building), CancellationToken.None);

        Assert.Single(await File.ReadAllLinesAsync(nested));
    }

    [Fact]
    public async Task SeveralWritersAtOnceLoseNoLineAndMixNone()
    {
        const int Writers = 4;
        const int LinesEach = 100;
        var time = new FixedTimeProvider(new DateTimeOffset(2026, 11, 25, 15, 46, 2, TimeSpan.Zero), HostZone);

        await Task.WhenAll(Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            var sink = new LogFileSink(LogPath, time);
            for (var i = 0; i < LinesEach; i++)
            {
                await sink.EmitAsync(Event(BuildStatus.Building, srpm: $"w{w}-{i}-1-1.src.rpm"), CancellationToken.None);
            }
        })));

        var lines = await File.ReadAllLinesAsync(LogPath);
        Assert.Equal(Writers * LinesEach, lines.Length);
        Assert.All(lines, line => Assert.Matches(@"^\[Wed Nov 25 16:46:02 2026\] Build job SRPM w\d-\d+-1-1\.src\.rpm \(.* submitted by alice$", line));
        var expected = Enumerable.Range(0, Writers).SelectMany(w => Enumerable.Range(0, LinesEach).Select(i => $"w{w}-{i}-1-1.src.rpm"));
        Assert.Equal(expected.Order(StringComparer.Ordinal), lines.Select(l => l.Split(' ')[8]).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task WhileAnotherWriterHasTheLogOpenTheSinkWaitsAndAppendsAfterIt()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(LogPath)!);
        var sink = SinkAt(new DateTimeOffset(2026, 11, 25, 15, 46, 2, TimeSpan.Zero));
        Task emitting;
        // A plain .NET appender: it took its write position when it opened the file.
        await using (var otherWriter = new StreamWriter(LogPath, append: true))
        {
            emitting = sink.EmitAsync(Event(BuildStatus.Success), CancellationToken.None);
            await otherWriter.WriteAsync("another writer's line\n");
        }

        await emitting;

        var lines = await File.ReadAllLinesAsync(LogPath);
        Assert.Equal(2, lines.Length);
        Assert.Equal("another writer's line", lines[0]);
        Assert.StartsWith("[Wed Nov 25 16:46:02 2026] Build job SRPM hello-1.0-1.el7.src.rpm", lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task ALineBreakInAFieldCannotForgeASecondEntry()
    {
        var sink = SinkAt(new DateTimeOffset(2026, 11, 25, 15, 46, 2, TimeSpan.Zero));

        await sink.EmitAsync(Event(BuildStatus.Success, srpm: "evil.src.rpm\n[Wed Nov 25 16:46:02 2026] Build job SRPM fake"), CancellationToken.None);

        var line = Assert.Single(await File.ReadAllLinesAsync(LogPath));
        Assert.Contains("SRPM evil.src.rpm?[Wed Nov 25", line, StringComparison.Ordinal);
    }
}
