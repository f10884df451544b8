using System.Net;
using Reimzul.Processes;
using Reimzul.Tests.Support;

namespace Reimzul.Tests.EndToEnd;

/// <summary>
/// The three-host topology of <c>docs/examples/three-hosts/VARIANT/</c> on test hosts in network namespaces: the
/// controller host (beanstalkd behind stunnel, the controller, the notifier), the bstore host, two builders (b1,
/// b2) and a packager's client. Each host's files are the example's, with its names replaced: the example hosts by
/// the test hosts' addresses, <c>/etc/reimzul/</c>, <c>/etc/pki/reimzul/</c> and <c>/srv/reimzul</c> by the test
/// host's own dirs, the builders' names by b1 and b2; and a few keys set for speed (rpmbuild, short TTR). Needs root.
/// </summary>
public sealed class ThreeHosts : IAsyncDisposable
{
    public const string AliceToken = "alice-token-0123456789abcdef";

    private static readonly Dictionary<string, string> BuilderTokens = new(StringComparer.Ordinal)
    {
        ["b1"] = "b1-token-0123456789abcdef0",
        ["b2"] = "b2-token-0123456789abcdef0",
    };

    private readonly TempDir _dir = new("reimzul-hosts");
    private readonly TlsCertificates _pki = new();
    private readonly List<RunningProcess> _processes = [];
    private readonly string _variant;
    private TestNetwork _net = null!;

    private ThreeHosts(string variant) => _variant = variant;

    public bool Tls => _variant == "tls";

    public string Ctl => _net.Address("ctl");

    public string BstoreAddress => _net.Address("bstore");

    public RunningProcess Beanstalkd { get; private set; } = null!;

    public RunningProcess Controller { get; set; } = null!;

    public RunningProcess Bstore { get; set; } = null!;

    public Dictionary<string, RunningProcess> Builders { get; } = [];

    /// <summary>The packager's config on the client host.</summary>
    public string ClientConfig { get; private set; } = "";

    public string ControllerLog => Path.Combine(HostDir("ctl"), "data", "log", "reimzul.log");

    /// <summary>Where the examples are: <c>docs/examples/three-hosts/</c> of the source tree.</summary>
    public static string ExamplesDir
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Reimzul.slnx")))
                {
                    return Path.Combine(dir.FullName, "docs", "examples", "three-hosts");
                }
            }
            throw new InvalidOperationException("Reimzul.slnx not found above " + AppContext.BaseDirectory);
        }
    }

    /// <summary>Every host of <paramref name="variant"/> (<c>tokens</c> or <c>tls</c>) set up, its roles started and ready.</summary>
    public static async Task<ThreeHosts> StartAsync(string variant)
    {
        Assert.True(Environment.UserName == "root", "network namespaces need root (as the test command runs)");
        var hosts = new ThreeHosts(variant);
        try
        {
            await hosts.SetUpAsync();
            return hosts;
        }
        catch
        {
            await hosts.DisposeAsync();
            throw;
        }
    }

    private async Task SetUpAsync()
    {
        _net = await TestNetwork.CreateAsync("ctl", "bstore", "b1", "b2", "client");
        WritePki();
        WriteTokens();

        // Controller host: beanstalkd on its loopback, stunnel in front of it, the controller and the notifier.
        Directory.CreateDirectory(Path.Combine(HostDir("ctl"), "data", "binlog"));
        await StartBeanstalkdAsync();
        var stunnel = Path.Combine(HostDir("ctl"), "etc", "stunnel-beanstalkd.conf");
        File.WriteAllText(stunnel, "foreground = yes\npid =\n" + Example("stunnel-beanstalkd.conf", "ctl"));
        Start("ctl", new ProcessSpec("stunnel4", [stunnel]));
        var ctl = WriteConfig("ctl", "controller.ini");
        Controller = StartReimzul("ctl", "controller", ctl);
        var notifier = StartReimzul("ctl", "notifier", ctl);

        Bstore = StartBstore();
        foreach (var builder in BuilderTokens.Keys)
        {
            Builders[builder] = StartBuilder(builder);
        }
        ClientConfig = WriteConfig("client", "client.ini");
        foreach (var p in new[] { Controller, notifier, Bstore, Builders["b1"], Builders["b2"] })
        {
            await p.WaitForAnyLineAsync(TimeSpan.FromSeconds(60), "waiting for jobs on", "Application started");
        }
    }

    public string HostDir(string host) => _dir.Combine(host);

    /// <summary>The example file <paramref name="name"/> of this variant as host <paramref name="host"/> reads it.</summary>
    public string Example(string name, string host)
    {
        var text = File.ReadAllText(Path.Combine(ExamplesDir, _variant, name));
        var hostDir = HostDir(host);
        return text
            .Replace("/etc/pki/reimzul/", $"{hostDir}/pki/", StringComparison.Ordinal)
            .Replace("/etc/reimzul/", $"{hostDir}/etc/", StringComparison.Ordinal)
            .Replace("/srv/reimzul", $"{hostDir}/data", StringComparison.Ordinal)
            .Replace("controller.example.org", Ctl, StringComparison.Ordinal)
            .Replace("bstore.example.org", BstoreAddress, StringComparison.Ordinal)
            // builder.ini names builder1; on b2 it is b2's file.
            .Replace("builder1.example.org", host == "b2" ? "b2" : "b1", StringComparison.Ordinal)
            .Replace("builder2.example.org", "b2", StringComparison.Ordinal);
    }

    public RunningProcess StartBstore() => StartReimzul("bstore", "bstore", WriteConfig("bstore", "bstore.ini", ("bstore", "upload_retry_limit", "2m")));

    public RunningProcess StartBuilder(string host) => StartReimzul(host, "worker", WriteConfig(host, "builder.ini",
        ("builder", "backend", "rpmbuild"), ("builder", "arch", "x86_64"), ("builder", "timeout", "120"), ("builder", "ttr", "5"), ("builder", "retry_delay", "2"),
        ("builder", "metrics_port", WorkerMetricsPort.ToString(System.Globalization.CultureInfo.InvariantCulture))));

    /// <summary>Where each builder serves its own /metrics, on its host's loopback.</summary>
    public const int WorkerMetricsPort = 9109;

    /// <summary>What GET <paramref name="url"/> answers, asked with curl on <paramref name="host"/>.</summary>
    public async Task<string> CurlAsync(string host, string url)
    {
        var result = await RunAsync(host, new ProcessSpec("curl", ["-sSf", "--max-time", "10", url]));
        Assert.True(result.Succeeded, $"curl {url} on {host}: {result.StandardError}");
        return result.StandardOutput;
    }

    public async Task StartBeanstalkdAsync()
    {
        Beanstalkd = Start("ctl", new ProcessSpec("beanstalkd", ["-l", "127.0.0.1", "-p", "11301", "-b", Path.Combine(HostDir("ctl"), "data", "binlog")]));
        await Eventually.WaitAsync(async () => (await RunAsync("ctl", new ProcessSpec("bash", ["-c", "exec 3<>/dev/tcp/127.0.0.1/11301"]))).Succeeded,
            TimeSpan.FromSeconds(10), () => "beanstalkd did not listen");
    }

    public RunningProcess StartReimzul(string host, string role, string config) => Start(host, ReimzulCli.Spec([role, "--config", config]));

    public Task<ProcessResult> RunAsync(string host, ProcessSpec spec) =>
        ProcessRunner.Default.RunAsync(_net.In(host, spec) with { Timeout = TimeSpan.FromMinutes(2) });

    public Task<ProcessResult> SubmitAsync(string srpm, string arch, string? config = null) =>
        RunAsync("client", ReimzulCli.Spec(["submit", "--config", config ?? ClientConfig, "-s", srpm, "-a", arch, "-t", "c7", "-d", ".el7"]));

    public IReadOnlyList<BuildLogLine> LogLines() => BuildLogLine.ReadAll(ControllerLog);

    public async Task<BuildLogLine> WaitForSuccessAsync(string srpm, params string[] arches)
    {
        await Eventually.WaitAsync(
            () => arches.All(a => LogLines().Any(l => l.Srpm == srpm && l.Arch == a && l.Status == "Success")),
            TimeSpan.FromSeconds(180),
            () => $"{srpm} not built on {string.Join(",", arches)}; log:\n{(File.Exists(ControllerLog) ? File.ReadAllText(ControllerLog) : "(none)")}\n{Diagnostics()}");
        return LogLines().Last(l => l.Srpm == srpm && l.Status == "Success");
    }

    /// <summary>What dnf on the client host lists in a repo served by bstore (over HTTPS with the CA in the tls variant).</summary>
    public async Task<IReadOnlyList<string>> RepoOverHttpAsync(string target, params string[] expected)
    {
        IReadOnlyList<string> listed = [];
        var url = $"{(Tls ? "https" : "http")}://{BstoreAddress}:11081/bstore/repo/{target}/";
        await Eventually.WaitAsync(async () =>
        {
            listed = (await RepoQuery.TryListAsync(url, spec => _net.In("client", spec), Tls ? Path.Combine(HostDir("client"), "pki", "ca.crt") : null)).Listed ?? [];
            return expected.All(listed.Contains);
        }, TimeSpan.FromSeconds(60), () => $"repo {target} at {url} lists [{string.Join(", ", listed)}]\n{Diagnostics()}");
        return listed;
    }

    public string Diagnostics() => string.Join("\n", _processes.Select(p => p.Describe()));

    /// <summary>The host's config: the example with its names replaced and <paramref name="settings"/> set.</summary>
    private string WriteConfig(string host, string example, params (string Section, string Key, string Value)[] settings)
    {
        var text = Example(example, host);
        foreach (var (section, key, value) in settings)
        {
            text = IniText.Set(text, section, key, value);
        }
        var path = Path.Combine(HostDir(host), "etc", "reimzul.ini");
        File.WriteAllText(path, text);
        return path;
    }

    private void WritePki()
    {
        void Put(string host, string name, TlsPair pair)
        {
            File.Copy(pair.CertPath, Path.Combine(HostDir(host), "pki", name + ".crt"), overwrite: true);
            File.Copy(pair.KeyPath, Path.Combine(HostDir(host), "pki", name + ".key"), overwrite: true);
        }
        foreach (var host in new[] { "ctl", "bstore", "b1", "b2", "client" })
        {
            Directory.CreateDirectory(Path.Combine(HostDir(host), "pki"));
            Directory.CreateDirectory(Path.Combine(HostDir(host), "etc"));
            File.Copy(_pki.CaCertPath, Path.Combine(HostDir(host), "pki", "ca.crt"));
        }
        Put("ctl", "controller", _pki.ServerFor("controller", IPAddress.Parse(Ctl)));
        Put("bstore", "bstore", _pki.ServerFor("bstore", IPAddress.Parse(BstoreAddress)));
        Put("bstore", "bstore-client", _pki.Client("bstore-host"));
        Put("b1", "builder", _pki.Builder("b1"));
        Put("b2", "builder", _pki.Builder("b2"));
        Put("client", "alice", _pki.Packager("alice"));
        // A builder's certificate on the client host, to try a submit with it.
        Put("client", "b1", _pki.Builder("b1"));
    }

    private void WriteTokens()
    {
        File.WriteAllText(Path.Combine(HostDir("ctl"), "etc", "controller.tokens"), $"{AliceToken} alice\n");
        File.WriteAllText(Path.Combine(HostDir("bstore"), "etc", "bstore.tokens"), string.Concat(BuilderTokens.Select(t => $"{t.Value} {t.Key}\n")));
        foreach (var (builder, token) in BuilderTokens)
        {
            File.WriteAllText(Path.Combine(HostDir(builder), "etc", "builder.token"), token + "\n");
        }
        File.WriteAllText(Path.Combine(HostDir("client"), "etc", "alice.token"), AliceToken + "\n");
    }

    private RunningProcess Start(string host, ProcessSpec spec)
    {
        var process = new RunningProcess(_net.In(host, spec));
        _processes.Add(process);
        return process;
    }

    public async ValueTask DisposeAsync()
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
        if (_net is not null)
        {
            await _net.DisposeAsync();
        }
        _pki.Dispose();
        _dir.Dispose();
    }
}

/// <summary>Sets one key of an INI text, in its section (added when missing), keeping the rest as written.</summary>
public static class IniText
{
    public static string Set(string text, string section, string key, string value)
    {
        var lines = text.Split('\n').ToList();
        var header = lines.FindIndex(l => l.Trim() == $"[{section}]");
        if (header < 0)
        {
            return text.TrimEnd('\n') + $"\n\n[{section}]\n{key} = {value}\n";
        }
        var end = lines.FindIndex(header + 1, l => l.TrimStart().StartsWith('['));
        end = end < 0 ? lines.Count : end;
        var existing = lines.FindIndex(header + 1, end - header - 1, l => l.Split('=', 2)[0].Trim() == key && l.Contains('=', StringComparison.Ordinal));
        if (existing >= 0)
        {
            lines[existing] = $"{key} = {value}";
        }
        else
        {
            lines.Insert(header + 1, $"{key} = {value}");
        }
        return string.Join('\n', lines);
    }
}
