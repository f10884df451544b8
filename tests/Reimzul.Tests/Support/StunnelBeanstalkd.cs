using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using Reimzul.Queue.Beanstalk;

namespace Reimzul.Tests.Support;

/// <summary>
/// beanstalkd behind Debian's stunnel, as the original deployment ran it, with three TLS entrances: one that
/// asks for no client certificate, one with <c>verify = 2</c> (a client certificate from the test CA is
/// required), and one presenting a server certificate from another CA.
/// </summary>
public sealed class StunnelBeanstalkd : IAsyncLifetime, IDisposable
{
    private readonly TempDir _dir = new("reimzul-stunnel");
    private readonly BeanstalkdServer _beanstalkd = new();
    private Process? _stunnel;

    public StunnelBeanstalkd()
    {
        Certificates = new TlsCertificates();
        ClientCertificate = Certificates.Client("beanstalk-client");
    }

    public TlsCertificates Certificates { get; }

    public TlsPair ClientCertificate { get; }

    public int OpenPort { get; private set; }

    public int ClientCertificatePort { get; private set; }

    public int OtherCaPort { get; private set; }

    public string LogFile => _dir.Combine("stunnel.log");

    /// <summary>TLS to <paramref name="port"/>, trusting the test CA.</summary>
    public BeanstalkdOptions Options(int port) => new()
    {
        Host = "127.0.0.1",
        Port = port,
        Tls = true,
        CaFile = Certificates.CaCertPath,
        ReconnectDelay = TimeSpan.FromMilliseconds(100),
    };

    public async Task InitializeAsync()
    {
        await _beanstalkd.InitializeAsync();
        (OpenPort, ClientCertificatePort, OtherCaPort) = (BeanstalkdServer.FreePort(), BeanstalkdServer.FreePort(), BeanstalkdServer.FreePort());
        var backend = _beanstalkd.Port.ToString(CultureInfo.InvariantCulture);
        var (server, other) = (Certificates.Server, Certificates.OtherServer);
        var config = _dir.Combine("stunnel.conf");
        await File.WriteAllTextAsync(config, $"""
            foreground = yes
            pid =
            output = {LogFile}
            debug = 5

            [open]
            accept = 127.0.0.1:{OpenPort}
            connect = 127.0.0.1:{backend}
            cert = {server.CertPath}
            key = {server.KeyPath}

            [client-certificate]
            accept = 127.0.0.1:{ClientCertificatePort}
            connect = 127.0.0.1:{backend}
            cert = {server.CertPath}
            key = {server.KeyPath}
            CAfile = {Certificates.CaCertPath}
            verify = 2

            [other-ca]
            accept = 127.0.0.1:{OtherCaPort}
            connect = 127.0.0.1:{backend}
            cert = {other.CertPath}
            key = {other.KeyPath}

            """);
        try
        {
            _stunnel = Process.Start(new ProcessStartInfo("stunnel4")
            {
                ArgumentList = { config },
                RedirectStandardError = true,
                RedirectStandardOutput = true,
            }) ?? throw new InvalidOperationException("stunnel4 did not start");
        }
        catch (Win32Exception ex)
        {
            throw new InvalidOperationException("stunnel4 is not installed (apt-get install stunnel4)", ex);
        }
        var deadline = Stopwatch.StartNew();
        foreach (var port in new[] { OpenPort, ClientCertificatePort, OtherCaPort })
        {
            while (!await BeanstalkdServer.AcceptsAsync(port))
            {
                if (_stunnel.HasExited || deadline.Elapsed > TimeSpan.FromSeconds(10))
                {
                    var log = File.Exists(LogFile) ? await File.ReadAllTextAsync(LogFile) : "";
                    throw new InvalidOperationException($"stunnel did not listen on port {port}: {await _stunnel.StandardError.ReadToEndAsync()} {log}");
                }
                await Task.Delay(10);
            }
        }
    }

    public async Task DisposeAsync()
    {
        if (_stunnel is { HasExited: false } stunnel)
        {
            stunnel.Kill();
            await stunnel.WaitForExitAsync();
        }
        await _beanstalkd.DisposeAsync();
        Dispose();
    }

    public void Dispose()
    {
        if (_stunnel is { HasExited: false } stunnel)
        {
            stunnel.Kill();
            stunnel.WaitForExit();
        }
        _stunnel?.Dispose();
        _stunnel = null;
        _beanstalkd.Dispose();
        Certificates.Dispose();
        _dir.Dispose();
    }
}
