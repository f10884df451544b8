using System.Globalization;
using Reimzul.Processes;
using Reimzul.Tests.EndToEnd;
using Reimzul.Tests.Support;

namespace Reimzul.Tests.Remote;

/// <summary>
/// One machine with remote builds: a real mosquitto (TLS, client certificates, the shipped ACL), a git and lookaside
/// server on loopback, <c>reimzul up</c> (publishing build events) and <c>reimzul mqtt-sub</c>, all from one config
/// whose <c>[acl]</c> lets alice build anything, carol x86_64 for c7-* targets, and dave scratch builds only.
/// </summary>
public sealed class RemoteBuildFixture : IAsyncLifetime, IDisposable
{
    public const string SubscriberCn = "reimzul-mqtt-sub";

    private readonly TempDir _clients = new("reimzul-clients");

    public TlsCertificates Pki { get; } = new();

    public MosquittoTestBroker Broker { get; private set; } = null!;

    public GitPackageServer Git { get; private set; } = null!;

    public Installation Install { get; private set; } = null!;

    public RunningProcess Up { get; private set; } = null!;

    public RunningProcess Sub { get; private set; } = null!;

    /// <summary>The controller on the same data dir: tokens for alice and mallory, the same [acl].</summary>
    public RunningProcess Controller { get; private set; } = null!;

    public int ControllerPort { get; } = BeanstalkdServer.FreePort();

    public string Incoming => Path.Combine(Install.DataDir, "incoming");

    public static string ShippedAcl => Path.Combine(Path.GetDirectoryName(Deploy.UnitFile.Dir)!, "docs", "examples", "mosquitto", "reimzul.acl");

    public async Task InitializeAsync()
    {
        File.WriteAllText(_clients.Combine("controller.tokens"), "alice-token-0123456789 alice\nmallory-token-0123456789 mallory\n");
        Broker = await MosquittoTestBroker.StartAsync(Pki, ShippedAcl);
        Git = await GitPackageServer.StartAsync();
        var server = Pki.Client(SubscriberCn);
        Install = new Installation($"""

            [mqtt]
            notifications = yes
            host = 127.0.0.1
            port = {Broker.Port.ToString(CultureInfo.InvariantCulture)}
            ca_cert = {Pki.CaCertPath}
            tls_cert = {server.CertPath}
            tls_key = {server.KeyPath}
            topic = reimzul

            [scm]
            git_url = {Git.GitUrl}
            timeout = 60

            [controller]
            port = {ControllerPort.ToString(CultureInfo.InvariantCulture)}
            tokens = {_clients.Combine("controller.tokens")}

            [acl]
            alice = * *
            carol = x86_64 c7-*
            dave = * * scratch
            """);
        Up = await Install.StartUpAsync(workers: 1);
        Sub = Install.Start("mqtt-sub");
        await Sub.WaitForLineAsync("subscribed to reimzul/submit/#");
        Controller = Install.Start("controller");
        await Eventually.WaitAsync(() => BeanstalkdServer.AcceptsAsync(ControllerPort), TimeSpan.FromSeconds(30), Controller.Describe);
    }

    /// <summary>Runs <c>reimzul submit</c> on a packager's machine that reaches the controller with <paramref name="token"/>.</summary>
    public Task<ProcessResult> SubmitThroughControllerAsync(string token, params string[] arguments)
    {
        var tokenFile = _clients.Combine($"{Guid.NewGuid():N}.token");
        File.WriteAllText(tokenFile, token + "\n");
        var config = _clients.Combine($"{Guid.NewGuid():N}-submit.ini");
        File.WriteAllText(config, $"""
            [queue]
            backend = beanstalkd

            [controller]
            url = http://127.0.0.1:{ControllerPort.ToString(CultureInfo.InvariantCulture)}/
            token_file = {tokenFile}
            """);
        return ReimzulCli.RunAsync(["submit", .. arguments, "--config", config, "--data-dir", _clients.Combine("data")]);
    }

    /// <summary>The ~/.reimzul.ini of a packager with <paramref name="certificate"/>, as the original's client read it.</summary>
    public string ClientConfig(TlsPair certificate)
    {
        var path = _clients.Combine($"{Guid.NewGuid():N}.ini");
        File.WriteAllText(path, $"""
            [mqtt]
            host = 127.0.0.1
            port = {Broker.Port.ToString(CultureInfo.InvariantCulture)}
            ca_cert = {Pki.CaCertPath}
            tls_cert = {certificate.CertPath}
            tls_key = {certificate.KeyPath}
            topic = reimzul/submit
            """);
        return path;
    }

    /// <summary>Runs <c>reimzul client</c> as the holder of <paramref name="certificate"/>.</summary>
    public Task<ProcessResult> ClientAsync(TlsPair certificate, params string[] arguments) =>
        ReimzulCli.RunAsync(["client", .. arguments, "--config", ClientConfig(certificate), "--data-dir", _clients.Combine("data")]);

    /// <summary>SRPMs in incoming and work dirs left behind: what a refused request must not leave.</summary>
    public IReadOnlyList<string> LeftOnDisk(string package) =>
    [
        .. Directory.Exists(Incoming) ? Directory.GetFiles(Incoming, package + "*") : [],
        .. Directory.Exists(Path.Combine(Incoming, ".git-work")) ? Directory.GetFileSystemEntries(Path.Combine(Incoming, ".git-work")) : [],
    ];

    public string Describe() => $"{Sub.Describe()}\n{Up.Describe()}\n--- mosquitto\n{Broker.Log}";

    public async Task DisposeAsync()
    {
        await Controller.DisposeAsync();
        await Sub.DisposeAsync();
        await Up.DisposeAsync();
        await Broker.DisposeAsync();
        await Git.DisposeAsync();
    }

    public void Dispose()
    {
        Install?.Dispose();
        Pki.Dispose();
        _clients.Dispose();
    }
}
