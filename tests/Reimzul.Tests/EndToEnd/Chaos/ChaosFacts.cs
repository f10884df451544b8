using System.Globalization;
using Reimzul.Processes;
using Reimzul.Tests.Support;

namespace Reimzul.Tests.EndToEnd.Chaos;

/// <summary>
/// Every role a separate process, as systemd runs them, on both queue backends; builds run while roles and
/// servers are SIGKILLed at random and started again. Bounded for CI: <c>scripts/chaos.sh</c> runs it longer
/// (<c>REIMZUL_CHAOS_SECONDS</c>, <c>REIMZUL_CHAOS_BUILDS</c>; <c>REIMZUL_CHAOS_SEED</c> replays a run).
/// </summary>
public sealed class ChaosFacts : IDisposable
{
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(Setting("REIMZUL_CHAOS_SECONDS", 30));
    private static readonly int Builds = Setting("REIMZUL_CHAOS_BUILDS", 4);
    private readonly TempDir _dir = new("reimzul-chaos");
    private readonly int _seed = Setting("REIMZUL_CHAOS_SEED", Random.Shared.Next());

    [Fact]
    public async Task OneMachineRolesKilledAtRandomLoseNothingAndPublishEachNevraOnce()
    {
        var dataDir = _dir.Combine("data");
        var config = WriteConfig("one.ini", dataDir, "");
        RunningProcess Role(string role) => ReimzulCli.Start(role, "--config", config);

        await using var monkey = new ChaosMonkey(_seed);
        monkey.Add("worker1", () => Role("worker"), wholeTree: true);
        monkey.Add("worker2", () => Role("worker"), wholeTree: true);
        monkey.Add("notifier", () => Role("notifier"));
        monkey.Add("repogen", () => Role("repogen-worker"));
        monkey.Add("signer", () => Role("signer"));
        foreach (var name in monkey.Names)
        {
            await monkey[name].WaitForLineAsync("waiting for jobs on", TimeSpan.FromSeconds(60));
        }

        var expected = await SubmitAllAsync(args => ReimzulCli.RunAsync([.. args, "--config", config]));
        var invariants = new ChaosInvariants(args => ReimzulCli.RunAsync([.. args, "--config", config]), dataDir, monkey.Describe);

        await monkey.RunAsync(Duration, maxGap: TimeSpan.FromSeconds(3), maxDowntime: TimeSpan.FromSeconds(2));
        await invariants.WaitForEveryBuildAsync(expected, TimeSpan.FromMinutes(4));
        await invariants.AssertStoreIsConsistentAsync();

        Assert.Equal(0, await monkey.StopAsync("worker1"));
        Assert.Equal(0, await monkey.StopAsync("worker2"));
        ChaosInvariants.AssertNoLeftovers(dataDir);
    }

    [Fact]
    public async Task BeanstalkdControllerBstoreAndBuildersKilledAtRandomLoseNothingAndPublishEachNevraOnce()
    {
        // Each service its own writers, each builder its own token named as its [builder] fqdn (bstore checks that).
        const string ClientToken = "chaos-alice-token-0123456789";
        string[] builderTokens = ["chaos-b1-token-0123456789", "chaos-b2-token-0123456789"];
        var (queuePort, controllerPort, bstorePort) = (BeanstalkdServer.FreePort(), BeanstalkdServer.FreePort(), BeanstalkdServer.FreePort());
        await File.WriteAllTextAsync(_dir.Combine("controller.tokens"), $"{ClientToken} alice\n{builderTokens[0]} b1\n{builderTokens[1]} b2\n");
        await File.WriteAllTextAsync(_dir.Combine("bstore.tokens"), $"{builderTokens[0]} b1\n{builderTokens[1]} b2\n");
        await File.WriteAllTextAsync(_dir.Combine("b1.token"), builderTokens[0] + "\n");
        await File.WriteAllTextAsync(_dir.Combine("b2.token"), builderTokens[1] + "\n");
        await File.WriteAllTextAsync(_dir.Combine("client.token"), ClientToken + "\n");
        var binlog = _dir.Combine("binlog");
        Directory.CreateDirectory(binlog);

        var queue = $"""
            [queue]
            backend = beanstalkd
            host = 127.0.0.1
            port = {queuePort}
            """;
        var services = $"""
            [controller]
            url = http://127.0.0.1:{controllerPort}/
            listen = 127.0.0.1
            port = {controllerPort}
            tokens = {_dir.Combine("controller.tokens")}

            [bstore]
            url = http://127.0.0.1:{bstorePort}/
            listen = 127.0.0.1
            port = {bstorePort}
            tokens = {_dir.Combine("bstore.tokens")}
            """;
        var ctl = WriteConfig("ctl.ini", _dir.Combine("ctl"), queue + "\n" + services);
        var bstoreData = _dir.Combine("bstore");
        var bstore = WriteConfig("bstore.ini", bstoreData, queue + "\n" + services);
        var builderData = new[] { _dir.Combine("b1"), _dir.Combine("b2") };
        string Builder(int i) => WriteConfig($"b{i + 1}.ini", builderData[i], $"""
            {queue}

            [controller]
            url = http://127.0.0.1:{controllerPort}/
            token_file = {_dir.Combine($"b{i + 1}.token")}

            [bstore]
            url = http://127.0.0.1:{bstorePort}/
            token_file = {_dir.Combine($"b{i + 1}.token")}
            upload_retry_limit = 3m
            """, fqdn: $"b{i + 1}");
        var builders = new[] { Builder(0), Builder(1) };
        var client = WriteConfig("client.ini", _dir.Combine("client"), $"""
            {queue}

            [controller]
            url = http://127.0.0.1:{controllerPort}/
            token_file = {_dir.Combine("client.token")}
            """);

        await using var monkey = new ChaosMonkey(_seed);
        monkey.Add("beanstalkd", () => new RunningProcess(new ProcessSpec("beanstalkd",
            ["-l", "127.0.0.1", "-p", queuePort.ToString(CultureInfo.InvariantCulture), "-b", binlog])));
        monkey.Add("controller", () => ReimzulCli.Start("controller", "--config", ctl));
        monkey.Add("notifier", () => ReimzulCli.Start("notifier", "--config", ctl));
        monkey.Add("bstore", () => ReimzulCli.Start("bstore", "--config", bstore));
        monkey.Add("b1", () => ReimzulCli.Start("worker", "--config", builders[0]), wholeTree: true);
        monkey.Add("b2", () => ReimzulCli.Start("worker", "--config", builders[1]), wholeTree: true);
        foreach (var name in new[] { "controller", "notifier", "bstore", "b1", "b2" })
        {
            await monkey[name].WaitForAnyLineAsync(TimeSpan.FromSeconds(60), "waiting for jobs on", "Application started");
        }

        var expected = await SubmitAllAsync(args => ReimzulCli.RunAsync([.. args, "--config", client]));
        var invariants = new ChaosInvariants(args => ReimzulCli.RunAsync([.. args, "--config", ctl]), bstoreData, monkey.Describe);

        await monkey.RunAsync(Duration, maxGap: TimeSpan.FromSeconds(3), maxDowntime: TimeSpan.FromSeconds(2));
        await invariants.WaitForEveryBuildAsync(expected, TimeSpan.FromMinutes(5));
        await invariants.AssertStoreIsConsistentAsync();

        Assert.Equal(0, await monkey.StopAsync("b1"));
        Assert.Equal(0, await monkey.StopAsync("b2"));
        foreach (var data in builderData)
        {
            ChaosInvariants.AssertNoLeftovers(data);
        }
    }

    /// <summary>Submits a C program (built for x86_64, then its chained i386) and <see cref="Builds"/> noarch packages.</summary>
    private async Task<List<(string Srpm, string Arch)>> SubmitAllAsync(Func<string[], Task<ProcessResult>> cli)
    {
        var sources = _dir.Combine("sources");
        var expected = new List<(string, string)>();
        var chain = await SrpmFactory.BuildAsync(SrpmFactory.CProgramSpec("chaos-c"), sources);
        await SubmitAsync(cli, chain, "x86_64");
        expected.Add(("chaos-c-2.0-1.src.rpm", "x86_64"));
        expected.Add(("chaos-c-2.0-1.src.rpm", "i386"));
        for (var i = 0; i < Builds; i++)
        {
            var srpm = await SrpmFactory.BuildAsync(SrpmFactory.SleepingSpec($"chaos-n{i}", 2), sources);
            await SubmitAsync(cli, srpm, "noarch");
            expected.Add(($"chaos-n{i}-1.0-1.src.rpm", "noarch"));
        }
        return expected;
    }

    private static async Task SubmitAsync(Func<string[], Task<ProcessResult>> cli, string srpm, string arch)
    {
        var result = await cli(["submit", "-s", srpm, "-a", arch, "-t", "c7.chaos", "-d", ".el7"]);
        Assert.True(result.Succeeded, $"submit of {srpm} failed: {result.StandardError}");
    }

    private string WriteConfig(string name, string dataDir, string more, string fqdn = "")
    {
        var path = _dir.Combine(name);
        File.WriteAllText(path, $"""
            [paths]
            data_dir = {dataDir}

            [builder]
            backend = rpmbuild
            {(fqdn.Length > 0 ? "fqdn = " + fqdn : "")}
            timeout = 120
            ttr = 5
            retry_delay = 2

            {more}
            """);
        return path;
    }

    private static int Setting(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : fallback;

    public void Dispose() => _dir.Dispose();
}
