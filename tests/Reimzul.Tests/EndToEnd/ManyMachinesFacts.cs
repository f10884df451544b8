using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Reimzul.Processes;
using Reimzul.Tests.Support;

namespace Reimzul.Tests.EndToEnd;

/// <summary>
/// The original's topology on test hosts in network namespaces: a controller (beanstalkd behind stunnel, the
/// controller service, the notifier), a bstore, two x86_64 builders and a client. Needs root.
/// </summary>
public sealed class ManyMachinesFacts : IAsyncLifetime, IDisposable
{
    private const string BuilderToken = "builder-token-0123456789abcdef";
    private const string ClientToken = "alice-token-0123456789abcdef";

    private readonly TempDir _dir = new("reimzul-hosts");
    private readonly TlsCertificates _pki = new();
    private readonly List<RunningProcess> _processes = [];
    private TestNetwork _net = null!;
    private RunningProcess _beanstalkd = null!;
    private readonly Dictionary<string, RunningProcess> _builders = [];
    private RunningProcess _controller = null!;
    private RunningProcess _bstore = null!;
    private string _ctlConfig = "";

    private string Ctl => _net.Address("ctl");

    private string Bstore => _net.Address("bstore");

    private string ControllerLog => _dir.Combine("ctl", "data", "log", "reimzul.log");

    public async Task InitializeAsync()
    {
        Assert.True(Environment.UserName == "root", "network namespaces need root (as the test command runs)");
        _net = await TestNetwork.CreateAsync("ctl", "bstore", "b1", "b2", "client");
        var server = _pki.ServerFor("hosts", IPAddress.Parse(Ctl), IPAddress.Parse(Bstore));
        await File.WriteAllTextAsync(_dir.Combine("tokens"), $"{BuilderToken} builder\n{ClientToken} alice\n");
        await File.WriteAllTextAsync(_dir.Combine("builder.token"), BuilderToken + "\n");
        await File.WriteAllTextAsync(_dir.Combine("client.token"), ClientToken + "\n");

        // Controller host: beanstalkd on its loopback, stunnel in front of it, the controller and the notifier.
        Directory.CreateDirectory(_dir.Combine("binlog"));
        await StartBeanstalkdAsync();
        await File.WriteAllTextAsync(_dir.Combine("stunnel.conf"), $"""
            foreground = yes
            pid =
            [beanstalkd]
            accept = {Ctl}:11300
            connect = 127.0.0.1:11301
            cert = {server.CertPath}
            key = {server.KeyPath}
            """);
        Start("ctl", new ProcessSpec("stunnel4", [_dir.Combine("stunnel.conf")]));
        var ctl = WriteConfig("ctl", """
            [queue]
            backend = beanstalkd
            host = 127.0.0.1
            port = 11301
            """, $"""
            [controller]
            tokens = {_dir.Combine("tokens")}
            """);
        _ctlConfig = ctl;
        _controller = StartReimzul("ctl", "controller", ctl);
        var controller = _controller;
        var notifier = StartReimzul("ctl", "notifier", ctl);

        // Bstore host: uploads in, repos out; consumes createrepo and tosign through stunnel.
        _bstore = StartBstore();
        var bstore = _bstore;

        foreach (var builder in new[] { "b1", "b2" })
        {
            _builders[builder] = StartBuilder(builder);
        }
        foreach (var p in new[] { controller, notifier, bstore, _builders["b1"], _builders["b2"] })
        {
            await p.WaitForAnyLineAsync(TimeSpan.FromSeconds(60), "waiting for jobs on", "Application started");
        }
    }

    [Fact]
    public async Task BuildsCrossHostsAndSurviveABuilderKilledMidBuildAndABeanstalkdRestart()
    {
        var sources = _dir.Combine("sources");
        var client = ClientConfig();

        // An arch-specific package (with its chained i386 build) and a noarch one, submitted from the client host.
        var arch = await SrpmFactory.BuildAsync(SrpmFactory.CProgramSpec("cross-c"), sources);
        var noarch = await SrpmFactory.BuildAsync(SrpmFactory.NoarchSpec("cross-noarch"), sources);
        foreach (var srpm in new[] { arch, noarch })
        {
            var submitted = await RunAsync("client", ReimzulCli.Spec(["submit", "--config", client, "-s", srpm, "-a", "x86_64", "-t", "c7", "-d", ".el7"]));
            Assert.True(submitted.Succeeded, submitted.StandardError);
            Assert.Contains("by alice", submitted.StandardOutput, StringComparison.Ordinal);
        }
        await WaitForSuccessAsync("cross-c-2.0-1.src.rpm", "x86_64", "i386");
        await WaitForSuccessAsync("cross-noarch-1.0-1.src.rpm", "x86_64");
        var listed = await RepoOverHttpAsync("c7.x86_64", "cross-c-2.0-1.el7.x86_64", "cross-c-2.0-1.el7.i686", "cross-c-libs-2.0-1.el7.x86_64", "cross-noarch-1.0-1.el7.noarch");
        Assert.Contains("cross-c-libs-2.0-1.el7.i686", listed);

        // A builder dies in the middle of a build: the other one builds the job.
        var slow = await SrpmFactory.BuildAsync(SrpmFactory.SleepingSpec("cross-slow", 5), sources);
        Assert.True((await RunAsync("client", ReimzulCli.Spec(["submit", "--config", client, "-s", slow, "-a", "noarch", "-t", "c7", "-d", ".el7"]))).Succeeded);
        await Eventually.WaitAsync(() => LogLines().Any(l => l.Srpm == "cross-slow-1.0-1.src.rpm" && l.Status == "Building"),
            TimeSpan.FromSeconds(60), () => "the slow build never started");
        var victim = LogLines().First(l => l.Srpm == "cross-slow-1.0-1.src.rpm" && l.Status == "Building").Builder;
        _builders[victim].KillHard(entireTree: true);
        var survivor = victim == "b1" ? "b2" : "b1";
        var slowResult = await WaitForSuccessAsync("cross-slow-1.0-1.src.rpm", "noarch");
        Assert.Equal(survivor, slowResult.Builder);
        _builders[victim] = StartBuilder(victim);

        // beanstalkd is killed and restarted under load: every job queued before is still built.
        var burst = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            var srpm = await SrpmFactory.BuildAsync(SrpmFactory.NoarchSpec($"cross-load{i}"), sources);
            Assert.True((await RunAsync("client", ReimzulCli.Spec(["submit", "--config", client, "-s", srpm, "-a", "noarch", "-t", "c7", "-d", ".el7"]))).Succeeded);
            burst.Add(Path.GetFileName(srpm));
        }
        _beanstalkd.KillHard();
        await _beanstalkd.WaitForExitAsync();
        await StartBeanstalkdAsync();
        foreach (var srpm in burst)
        {
            await WaitForSuccessAsync(srpm, "noarch");
        }
        await RepoOverHttpAsync("c7.noarch", [.. Enumerable.Range(0, 4).Select(i => $"cross-load{i}-1.0-1.el7.noarch"), "cross-slow-1.0-1.el7.noarch"]);
    }

    [Fact]
    public async Task BuildsQueuedWhileBstoreOrTheControllerIsDownAreDoneOnceTheyAreBack()
    {
        var sources = _dir.Combine("sources");
        var client = ClientConfig();

        // bstore down: the build runs, the upload waits, and Success comes only once the result is there.
        _bstore.KillHard();
        await _bstore.WaitForExitAsync();
        var first = await SrpmFactory.BuildAsync(SrpmFactory.NoarchSpec("while-bstore-down"), sources);
        Assert.True((await RunAsync("client", ReimzulCli.Spec(["submit", "--config", client, "-s", first, "-a", "noarch", "-t", "c7", "-d", ".el7"]))).Succeeded);
        await Eventually.WaitAsync(() => LogLines().Any(l => l.Srpm == "while-bstore-down-1.0-1.src.rpm" && l.Status == "Building"),
            TimeSpan.FromSeconds(60), () => "the build never started\n" + Diagnostics());
        await Eventually.WaitAsync(() => _builders.Values.Any(b => b.Output.Contains("bstore", StringComparison.OrdinalIgnoreCase) && b.Output.Contains("retry", StringComparison.OrdinalIgnoreCase)),
            TimeSpan.FromSeconds(60), () => "no worker is retrying its upload\n" + Diagnostics());
        Assert.DoesNotContain(LogLines(), l => l.Srpm == "while-bstore-down-1.0-1.src.rpm" && l.Status == "Success");
        _bstore = StartBstore();
        await WaitForSuccessAsync("while-bstore-down-1.0-1.src.rpm", "noarch");
        await RepoOverHttpAsync("c7.noarch", "while-bstore-down-1.0-1.el7.noarch");

        // Controller down after the submit: workers cannot fetch the SRPM, the job waits for it.
        foreach (var builder in _builders.Values)
        {
            builder.KillHard(entireTree: true);
            await builder.WaitForExitAsync();
        }
        var second = await SrpmFactory.BuildAsync(SrpmFactory.NoarchSpec("while-controller-down"), sources);
        Assert.True((await RunAsync("client", ReimzulCli.Spec(["submit", "--config", client, "-s", second, "-a", "noarch", "-t", "c7", "-d", ".el7"]))).Succeeded);
        _controller.KillHard();
        await _controller.WaitForExitAsync();
        _builders["b1"] = StartBuilder("b1");
        await Eventually.WaitAsync(() => _builders["b1"].Output.Contains("cannot download while-controller-down-1.0-1.src.rpm", StringComparison.Ordinal),
            TimeSpan.FromSeconds(60), () => "the worker never tried the job\n" + Diagnostics());
        Assert.DoesNotContain(LogLines(), l => l.Srpm == "while-controller-down-1.0-1.src.rpm" && l.Status is "Success" or "Failed");
        _controller = StartReimzul("ctl", "controller", _ctlConfig);
        await WaitForSuccessAsync("while-controller-down-1.0-1.src.rpm", "noarch");
        await RepoOverHttpAsync("c7.noarch", "while-controller-down-1.0-1.el7.noarch");
    }

    /// <summary>The client host submits through the controller with its token (alice).</summary>
    private string ClientConfig() => WriteConfig("client", """
        [queue]
        backend = beanstalkd
        """, $"""
        [controller]
        url = http://{Ctl}:11080/
        token_file = {_dir.Combine("client.token")}
        """);

    private string RemoteQueue() => $"""
        [queue]
        backend = beanstalkd
        host = {Ctl}
        port = 11300
        tls = yes
        ca_cert = {_pki.CaCertPath}
        """;

    private RunningProcess StartBstore() => StartReimzul("bstore", "bstore", WriteConfig("bstore", RemoteQueue(), $"""
        [bstore]
        tokens = {_dir.Combine("tokens")}
        """));

    private RunningProcess StartBuilder(string host) => StartReimzul(host, "worker", WriteConfig(host, RemoteQueue(), $"""
        [builder]
        backend = rpmbuild
        fqdn = {host}
        arch = x86_64
        timeout = 120
        ttr = 5
        retry_delay = 2

        [controller]
        url = http://{Ctl}:11080/
        token_file = {_dir.Combine("builder.token")}

        [bstore]
        url = http://{Bstore}:11081/
        token_file = {_dir.Combine("builder.token")}
        upload_retry_limit = 2m
        """));

    private async Task StartBeanstalkdAsync()
    {
        _beanstalkd = Start("ctl", new ProcessSpec("beanstalkd", ["-l", "127.0.0.1", "-p", "11301", "-b", _dir.Combine("binlog")]));
        await Eventually.WaitAsync(async () => (await RunAsync("ctl", new ProcessSpec("bash", ["-c", "exec 3<>/dev/tcp/127.0.0.1/11301"]))).Succeeded,
            TimeSpan.FromSeconds(10), () => "beanstalkd did not listen");
    }

    private string WriteConfig(string host, string queue, string more)
    {
        var path = _dir.Combine($"{host}.ini");
        File.WriteAllText(path, $"""
            [paths]
            data_dir = {_dir.Combine(host, "data")}

            {queue}

            {more}
            """);
        return path;
    }

    private RunningProcess StartReimzul(string host, string role, string config) =>
        Start(host, ReimzulCli.Spec([role, "--config", config]));

    private RunningProcess Start(string host, ProcessSpec spec)
    {
        var process = new RunningProcess(_net.In(host, spec));
        _processes.Add(process);
        return process;
    }

    private Task<ProcessResult> RunAsync(string host, ProcessSpec spec) =>
        ProcessRunner.Default.RunAsync(_net.In(host, spec) with { Timeout = TimeSpan.FromMinutes(2) });

    private IReadOnlyList<BuildLogLine> LogLines() => BuildLogLine.ReadAll(ControllerLog);

    private async Task<BuildLogLine> WaitForSuccessAsync(string srpm, params string[] arches)
    {
        await Eventually.WaitAsync(
            () => arches.All(a => LogLines().Any(l => l.Srpm == srpm && l.Arch == a && l.Status == "Success")),
            TimeSpan.FromSeconds(180),
            () => $"{srpm} not built on {string.Join(",", arches)}; log:\n{(File.Exists(ControllerLog) ? File.ReadAllText(ControllerLog) : "(none)")}\n{Diagnostics()}");
        return LogLines().Last(l => l.Srpm == srpm && l.Status == "Success");
    }

    /// <summary>What dnf on the client host lists in a repo served by bstore over HTTP.</summary>
    private async Task<IReadOnlyList<string>> RepoOverHttpAsync(string target, params string[] expected)
    {
        IReadOnlyList<string> listed = [];
        await Eventually.WaitAsync(async () =>
        {
            listed = (await RepoQuery.TryListAsync($"http://{Bstore}:11081/bstore/repo/{target}/", spec => _net.In("client", spec))).Listed ?? [];
            return expected.All(listed.Contains);
        }, TimeSpan.FromSeconds(60), () => $"repo {target} over HTTP lists [{string.Join(", ", listed)}]\n{Diagnostics()}");
        return listed;
    }

    private string Diagnostics() => string.Join("\n", _processes.Select(p => p.Describe()));

    public async Task DisposeAsync()
    {
        foreach (var process in _processes)
        {
            process.KillHard(entireTree: true);
        }
        foreach (var process in _processes)
        {
            await process.WaitForExitAsync();
            await process.DisposeAsync();
        }
        await _net.DisposeAsync();
        Dispose();
    }

    public void Dispose()
    {
        _pki.Dispose();
        _dir.Dispose();
    }
}
