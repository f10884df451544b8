using System.Text.Json;
using Reimzul.Queue.Beanstalk;
using Reimzul.Tests.Support;

namespace Reimzul.Tests.EndToEnd;

/// <summary><c>reimzul buried</c> and <c>reimzul kick</c> as an operator uses them, on both queue backends.</summary>
public sealed class QueueAdminFacts : IDisposable
{
    private const string BrokenJob = "{\"srpm\": \"hello-1.0-1.src.rpm\"}";
    private readonly Installation _install = new();

    [Fact]
    public async Task AJobTheWorkerBuriedIsShownWithItsReasonAndKickedBackToReady()
    {
        await using (var up = await _install.StartUpAsync(workers: 1))
        {
            await PutRawAsync("x86_64", BrokenJob);
            await up.WaitForLineAsync("buried: missing or empty field(s): arch, target, disttag");
            await up.InterruptAsync();
        }

        var buried = await _install.RunAsync("buried", "x86_64");

        Assert.True(buried.Succeeded, buried.StandardError);
        Assert.Contains("x86_64: 1 buried", buried.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("deliveries 1", buried.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("  reason: missing or empty field(s): arch, target, disttag\n", buried.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("  body:   " + BrokenJob, buried.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("reimzul kick x86_64", buried.StandardOutput, StringComparison.Ordinal);

        var kick = await _install.RunAsync("kick", "x86_64");

        Assert.True(kick.Succeeded, kick.StandardError);
        Assert.Equal("kicked 1 buried job(s) of x86_64 back to ready\n", kick.StandardOutput);
        Assert.Equal((1, 0), await ReadyAndBuriedAsync(_install.With("stats", "--json")));
    }

    [Fact]
    public async Task OnBeanstalkdTheNextBuriedJobIsShownWithItsBodyCheckedAgain()
    {
        using var server = new BeanstalkdServer();
        await server.InitializeAsync();
        var config = _install.Sources + "/beanstalkd.ini";
        await File.WriteAllTextAsync(config, $"[queue]\nbackend = beanstalkd\nport = {server.Port}\n");
        var factory = new BeanstalkdJobQueueFactory(server.Options);
        await using (var worker = await factory.OpenSessionAsync())
        {
            await worker.PutAsync("i386", BrokenJob, 8192, TimeSpan.Zero, TimeSpan.FromMinutes(1));
            await worker.PutAsync("i386", "not json", 8192, TimeSpan.Zero, TimeSpan.FromMinutes(1));
            await (await worker.ReserveAsync(["i386"], TimeSpan.Zero))!.BuryAsync("ignored by beanstalkd");
            await (await worker.ReserveAsync(["i386"], TimeSpan.Zero))!.BuryAsync("ignored by beanstalkd");
        }

        var buried = await ReimzulCli.RunAsync("buried", "i386", "--config", config, "--data-dir", _install.DataDir);

        Assert.True(buried.Succeeded, buried.StandardError);
        Assert.Contains("i386: 2 buried, showing 1", buried.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("  reason: missing or empty field(s): arch, target, disttag (checked now: the queue keeps no reason)", buried.StandardOutput, StringComparison.Ordinal);

        var kick = await ReimzulCli.RunAsync("kick", "i386", "1", "--config", config, "--data-dir", _install.DataDir);

        Assert.Equal("kicked 1 buried job(s) of i386 back to ready\n", kick.StandardOutput);
        var next = await ReimzulCli.RunAsync("buried", "i386", "--json", "--config", config, "--data-dir", _install.DataDir);
        using var json = JsonDocument.Parse(next.StandardOutput);
        var job = json.RootElement.EnumerateArray().Single();
        Assert.Equal("not json", job.GetProperty("body").GetString());
        Assert.StartsWith("body is not a valid JSON object", job.GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("buried", "a b")]
    [InlineData("kick", "tübe")]
    public async Task AMalformedTubeNameIsRefusedSayingWhy(string command, string tube)
    {
        var result = await _install.RunAsync(command, tube);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("reimzul: tube name", result.StandardError, StringComparison.Ordinal);
    }

    private static async Task<(int Ready, int Buried)> ReadyAndBuriedAsync(string[] statsArguments)
    {
        var stats = await ReimzulCli.RunAsync(statsArguments);
        using var json = JsonDocument.Parse(stats.StandardOutput);
        var tube = json.RootElement.EnumerateArray().Single(t => t.GetProperty("tube").GetString() == "x86_64");
        return (tube.GetProperty("ready").GetInt32(), tube.GetProperty("buried").GetInt32());
    }

    private async Task PutRawAsync(string tube, string body)
    {
        var queue = new Reimzul.Queue.Embedded.EmbeddedJobQueueFactory(Path.Combine(_install.DataDir, "queue.db"));
        await using var producer = await queue.OpenProducerAsync();
        await producer.PutAsync(tube, body, 8192, TimeSpan.Zero, TimeSpan.FromSeconds(60));
    }

    public void Dispose() => _install.Dispose();
}
