using System.Diagnostics;
using System.Text;
using Reimzul.Queue;
using Reimzul.Queue.Beanstalk;
using Reimzul.Tests.Support;

namespace Reimzul.Tests.Queue.Beanstalk;

/// <summary>The protocol's edges, checked against what a real beanstalkd answers.</summary>
public sealed class BeanstalkdProtocolFacts(BeanstalkdServer server) : IClassFixture<BeanstalkdServer>, IAsyncLifetime
{
    private static readonly TimeSpan LongTtr = TimeSpan.FromHours(1);
    private readonly List<IAsyncDisposable> _opened = [];
    private readonly string _prefix = $"p{Guid.NewGuid():N}";

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var opened in _opened)
        {
            await opened.DisposeAsync();
        }
    }

    [Fact]
    public async Task ABodyOverTheServersMaxJobSizeIsRefusedNamingBothSizes()
    {
        var queue = await OpenQueueAsync();
        var largest = new string('x', 65535);
        var id = await queue.PutAsync(Tube("t"), largest, 10, TimeSpan.Zero, LongTtr);
        Assert.Equal(largest, (await queue.ReserveAsync([Tube("t")], TimeSpan.Zero))?.Body);

        // 'é' is two bytes of UTF-8: the limit is on bytes, not characters.
        var error = await Assert.ThrowsAsync<ArgumentException>(() => queue.PutAsync(Tube("t"), new string('é', 32768), 10, TimeSpan.Zero, LongTtr));

        Assert.Equal("body", error.ParamName);
        Assert.Contains("65536 bytes", error.Message, StringComparison.Ordinal);
        Assert.Contains("at most 65535 bytes", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, (await queue.StatsTubeAsync(Tube("t"))).TotalJobs);
        Assert.True(await queue.DeleteAsync(id));
    }

    [Fact]
    public async Task JobTooBigFromTheServerIsAClearErrorAndTheConnectionStaysInStep()
    {
        var client = await ConnectAsync();
        await client.UseAsync(Tube("t"));

        var error = await Assert.ThrowsAsync<BeanstalkException>(() => client.PutAsync(new byte[65536], 10, TimeSpan.Zero, LongTtr));

        Assert.Equal(BeanstalkError.JobTooBig, error.Error);
        Assert.Contains("65536 bytes", error.Message, StringComparison.Ordinal);
        Assert.Contains("max job size is 65535 bytes", error.Message, StringComparison.Ordinal);
        Assert.True(client.IsConnected);
        Assert.True(await client.PutAsync("after"u8.ToArray(), 10, TimeSpan.Zero, LongTtr) > 0);
    }

    [Fact]
    public async Task TubeNamesAreCheckedByTheServersOwnRules()
    {
        string[] names = [new('a', 200), new('a', 201), "-x", "x-", "a+b/c;d.e$f_(g)", "a b", "a*b", "tübe", "a\tb"];
        var queue = await OpenQueueAsync();
        using var raw = await server.ConnectRawAsync();

        foreach (var name in names)
        {
            var serverTakesIt = (await raw.CommandAsync("use " + name)).StartsWith("USING ", StringComparison.Ordinal);
            var weTakeIt = await Accepts(() => queue.PutAsync(name, "x", 10, TimeSpan.Zero, LongTtr));
            Assert.True(serverTakesIt == weTakeIt, $"'{name}': server {(serverTakesIt ? "takes" : "refuses")} it, we {(weTakeIt ? "take" : "refuse")} it");
        }
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("-x", "starts with '-'")]
    [InlineData("a b", "holds ' '")]
    [InlineData("tübe", "holds 'ü'")]
    public async Task ABadTubeNameIsRefusedSayingWhyBeforeAnythingIsSent(string tube, string reason)
    {
        var queue = await OpenQueueAsync();

        var put = await Assert.ThrowsAsync<ArgumentException>(() => queue.PutAsync(tube, "x", 10, TimeSpan.Zero, LongTtr));
        var reserve = await Assert.ThrowsAsync<ArgumentException>(() => queue.ReserveAsync(["ok", tube], TimeSpan.Zero));

        Assert.Contains(reason, put.Message, StringComparison.Ordinal);
        Assert.Contains(reason, reserve.Message, StringComparison.Ordinal);
        Assert.Equal(0, ((BeanstalkdJobQueue)queue).Reconnects);
    }

    [Fact]
    public async Task AfterExpectedCrlfTheConnectionIsDroppedAndTheSessionReconnects()
    {
        var queue = (BeanstalkdJobQueue)await OpenQueueAsync();
        var client = queue.Client!;

        // Four bytes where three were announced: the server reads a body that does not end in CRLF.
        var error = await Assert.ThrowsAsync<BeanstalkException>(() => client.SendRawAsync(Encoding.ASCII.GetBytes("put 0 0 10 3\r\nabcd\r\n")));

        Assert.Equal(BeanstalkError.ExpectedCrlf, error.Error);
        Assert.False(client.IsConnected);
        await Assert.ThrowsAsync<BeanstalkConnectionException>(() => client.StatsAsync());
        var id = await queue.PutAsync(Tube("t"), "after", 10, TimeSpan.Zero, LongTtr);
        Assert.Equal((id, 1), ((await queue.ReserveAsync([Tube("t")], TimeSpan.Zero))?.Id, queue.Reconnects));
    }

    [Fact]
    public async Task AfterBadFormatTheConnectionIsDropped()
    {
        var client = await ConnectAsync();

        // The server cannot parse the put line, so it would read the body as the next command.
        var error = await Assert.ThrowsAsync<BeanstalkException>(() => client.SendRawAsync(Encoding.ASCII.GetBytes("put 0 0 10 x\r\nabc\r\n")));

        Assert.Equal(BeanstalkError.BadFormat, error.Error);
        Assert.False(client.IsConnected);
        var lost = await Assert.ThrowsAsync<BeanstalkConnectionException>(() => client.ListTubesAsync());
        Assert.Contains("out of step after BAD_FORMAT", lost.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnknownCommandIsAnErrorThatKeepsTheConnection()
    {
        var client = await ConnectAsync();

        var error = await Assert.ThrowsAsync<BeanstalkException>(() => client.SendRawAsync(Encoding.ASCII.GetBytes("frobnicate\r\n")));

        Assert.Equal(BeanstalkError.UnknownCommand, error.Error);
        Assert.True(client.IsConnected);
        Assert.Contains("default", await client.ListTubesAsync());
    }

    [Fact]
    public async Task TheServerSaysDeadlineSoonToAHolderWaitingInItsLastSecond()
    {
        using var raw = await server.ConnectRawAsync();
        var t = Tube("raw");
        Assert.StartsWith("USING", await raw.CommandAsync($"use {t}"), StringComparison.Ordinal);
        Assert.StartsWith("WATCHING", await raw.CommandAsync($"watch {t}"), StringComparison.Ordinal);
        await raw.SendAsync("put 10 0 1 1\r\nx\r\n");
        Assert.StartsWith("INSERTED", await raw.ReadLineAsync(), StringComparison.Ordinal);
        Assert.StartsWith("RESERVED", await raw.CommandAsync("reserve-with-timeout 0"), StringComparison.Ordinal);
        Assert.Equal("x", await raw.ReadLineAsync());

        // With a TTR of one second the whole reservation is the safety margin.
        Assert.Equal("DEADLINE_SOON", await raw.CommandAsync("reserve-with-timeout 5"));
    }

    [Fact]
    public async Task AReserveWaitsThroughItsOwnDeadlineSoonWithoutSpinning()
    {
        var queue = await OpenQueueAsync();
        var client = await ConnectAsync();
        var t = Tube("t");
        var id = await queue.PutAsync(t, "short", 10, TimeSpan.Zero, TimeSpan.FromSeconds(2));
        Assert.Equal(id, (await queue.ReserveAsync([t], TimeSpan.Zero))?.Id);
        var before = await ReserveCommandsAsync(client);
        var stopwatch = Stopwatch.StartNew();

        // The last second of our own reservation answers DEADLINE_SOON; then the TTR ends and the job comes back to us.
        var again = await queue.ReserveAsync([t], TimeSpan.FromSeconds(10)).WaitAsync(TimeSpan.FromSeconds(15));

        Assert.Equal(id, again?.Id);
        Assert.InRange(stopwatch.Elapsed, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(4));
        Assert.InRange(await ReserveCommandsAsync(client) - before, 1, 20);
    }

    [Fact]
    public async Task ACancelledReserveGivesBackAJobTheServerHandedItAfterwards()
    {
        var waiter = await OpenQueueAsync();
        var other = await OpenQueueAsync();
        var t = Tube("t");
        using var cancel = new CancellationTokenSource();
        var pending = waiter.ReserveAsync([t], TimeSpan.FromSeconds(30), cancel.Token);
        await Eventually.WaitAsync(async () => (await other.StatsTubeAsync(t)).Watching == 1, TimeSpan.FromSeconds(10), () => "the pending reserve did not show as watching within 10 s");
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending.WaitAsync(TimeSpan.FromSeconds(5)));

        // The server still counts the waiter as waiting, so it hands it this job.
        var id = await other.PutAsync(t, "late", 7, TimeSpan.Zero, LongTtr);
        Assert.Equal(0, (await waiter.StatsTubeAsync(t)).Reserved);

        var job = await other.ReserveAsync([t], TimeSpan.FromSeconds(5));
        Assert.Equal((id, 7u), (job?.Id, job?.Priority));
        Assert.Equal(0, ((BeanstalkdJobQueue)waiter).Reconnects);
    }

    [Fact]
    public async Task ReserveSendsWatchAndIgnoreOnlyForTheDifferences()
    {
        var queue = await OpenQueueAsync();
        var client = await ConnectAsync();
        var (a, b, c) = (Tube("a"), Tube("b"), Tube("c"));

        var first = await WatchCommandsAsync(client);
        await queue.ReserveAsync([a, b], TimeSpan.Zero);
        var second = await WatchCommandsAsync(client);
        await queue.ReserveAsync([b, a], TimeSpan.Zero);
        var third = await WatchCommandsAsync(client);
        await queue.ReserveAsync([b, c], TimeSpan.Zero);
        var fourth = await WatchCommandsAsync(client);

        Assert.Equal((2, 1), Minus(second, first));
        Assert.Equal((0, 0), Minus(third, second));
        Assert.Equal((1, 1), Minus(fourth, third));
        Assert.Equal(0, (await queue.StatsTubeAsync(a)).Watching);
        Assert.Equal(1, (await queue.StatsTubeAsync(c)).Watching);
    }

    [Fact]
    public async Task BatchesMoveAThousandJobsThroughInThreeRoundTrips()
    {
        var client = await ConnectAsync();
        var t = Tube("batch");
        await client.UseAsync(t);
        await client.WatchOnlyAsync([t]);
        var bodies = Enumerable.Range(0, 1000).Select(i => (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes($"job {i}")).ToList();

        var ids = await client.PutManyAsync(bodies, 10, TimeSpan.Zero, LongTtr);
        var jobs = await client.ReserveManyAsync(1000);
        var deleted = await client.DeleteManyAsync(jobs.Select(j => j.Id).ToList());

        Assert.Equal(ids.Order(), ids);
        Assert.Equal(ids, jobs.Select(j => j.Id));
        Assert.Equal(bodies.Select(b => Encoding.UTF8.GetString(b.Span)), jobs.Select(j => Encoding.UTF8.GetString(j.Body)));
        Assert.Equal(1000, deleted);
        var stats = await client.StatsTubeAsync(t);
        Assert.Equal(("0", "0"), (stats?["current-jobs-ready"], stats?["current-jobs-reserved"]));
    }

    [Fact]
    public async Task ABatchLargerThanTheSocketBuffersNeitherDeadlocksNorLosesABody()
    {
        var client = await ConnectAsync();
        var t = Tube("big");
        await client.UseAsync(t);
        await client.WatchOnlyAsync([t]);
        var bodies = Enumerable.Range(0, 200).Select(i => (ReadOnlyMemory<byte>)Enumerable.Repeat((byte)('a' + i % 26), 60_000).ToArray()).ToList();

        var ids = await client.PutManyAsync(bodies, 10, TimeSpan.Zero, LongTtr).WaitAsync(TimeSpan.FromSeconds(30));
        var jobs = await client.ReserveManyAsync(200).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(ids, jobs.Select(j => j.Id));
        Assert.All(jobs.Zip(bodies), pair => Assert.True(pair.First.Body.AsSpan().SequenceEqual(pair.Second.Span)));
        Assert.Equal(200, await client.DeleteManyAsync(ids));
    }

    [Fact]
    public async Task AClosedSessionRefusesFurtherUse()
    {
        var queue = await new BeanstalkdJobQueueFactory(server.Options).OpenSessionAsync();
        await queue.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => queue.PutAsync(Tube("t"), "x", 10, TimeSpan.Zero, LongTtr));
    }

    [Fact]
    public async Task ClosingASessionInterruptsItsWaitingReserve()
    {
        var queue = await new BeanstalkdJobQueueFactory(server.Options).OpenSessionAsync();
        var pending = queue.ReserveAsync([Tube("t")], TimeSpan.FromSeconds(30));

        await queue.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5));

        await Assert.ThrowsAsync<ObjectDisposedException>(() => pending.WaitAsync(TimeSpan.FromSeconds(5)));
    }

    private string Tube(string name) => $"{_prefix}-{name}";

    private async Task<BeanstalkdJobQueue> OpenQueueAsync()
    {
        var queue = await new BeanstalkdJobQueueFactory(server.Options).OpenSessionAsync();
        _opened.Add(queue);
        return queue;
    }

    private async Task<BeanstalkClient> ConnectAsync()
    {
        var client = await BeanstalkClient.ConnectAsync(server.Options);
        _opened.Add(client);
        return client;
    }

    private static async Task<bool> Accepts(Func<Task> put)
    {
        try
        {
            await put();
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static async Task<long> ReserveCommandsAsync(BeanstalkClient client) =>
        long.Parse((await client.StatsAsync())["cmd-reserve-with-timeout"], System.Globalization.CultureInfo.InvariantCulture);

    private static async Task<(long Watch, long Ignore)> WatchCommandsAsync(BeanstalkClient client)
    {
        var stats = await client.StatsAsync();
        return (long.Parse(stats["cmd-watch"], System.Globalization.CultureInfo.InvariantCulture), long.Parse(stats["cmd-ignore"], System.Globalization.CultureInfo.InvariantCulture));
    }

    private static (long, long) Minus((long Watch, long Ignore) a, (long Watch, long Ignore) b) => (a.Watch - b.Watch, a.Ignore - b.Ignore);
}
