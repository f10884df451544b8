using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Reimzul.Processes;

namespace Reimzul.Tests.Support;

/// <summary>
/// A real rsync daemon on 127.0.0.1 with one writable module, as the bstore runs it (without stunnel).
/// Created stopped, so a test can let a client find it down and start it later.
/// </summary>
public sealed class RsyncdServer : IAsyncDisposable
{
    public const string Module = "reimzul-bstore";

    private readonly TempDir _dir = new("reimzul-rsyncd");
    private readonly string _extraModuleConfig;
    private Process? _process;

    private RsyncdServer(string extraModuleConfig)
    {
        _extraModuleConfig = extraModuleConfig;
        Port = FreePort();
        ModuleDir = _dir.Combine("module");
        Directory.CreateDirectory(ModuleDir);
    }

    public int Port { get; }

    /// <summary>What the module serves; the bstore's <c>/srv/reimzul/bstore</c>.</summary>
    public string ModuleDir { get; }

    public string Url => $"rsync://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}/{Module}";

    public string LogFile => _dir.Combine("rsyncd.log");

    /// <param name="extraModuleConfig">More rsyncd.conf lines for the module (e.g. <c>pre-xfer exec</c>).</param>
    public static RsyncdServer Create(string extraModuleConfig = "") => new(extraModuleConfig);

    public static async Task<RsyncdServer> StartNewAsync(string extraModuleConfig = "")
    {
        var server = Create(extraModuleConfig);
        await server.StartAsync();
        return server;
    }

    public async Task StartAsync()
    {
        if (_process is not null)
        {
            throw new InvalidOperationException("the daemon is running already");
        }
        // The daemon switches to the module's uid/gid; as root its default would be nobody, who cannot write here.
        var uid = await IdAsync("-u");
        var gid = await IdAsync("-g");
        var config = _dir.Combine("rsyncd.conf");
        File.WriteAllText(config, $"""
            use chroot = no
            log file = {LogFile}

            [{Module}]
            path = {ModuleDir}
            read only = no
            uid = {uid}
            gid = {gid}
            {_extraModuleConfig}

            """);

        var psi = new ProcessStartInfo("rsync") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in new[] { "--daemon", "--no-detach", "--address=127.0.0.1", $"--port={Port.ToString(CultureInfo.InvariantCulture)}", $"--config={config}" })
        {
            psi.ArgumentList.Add(argument);
        }
        _process = Process.Start(psi) ?? throw new InvalidOperationException("rsync --daemon did not start");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        await Eventually.WaitAsync(async () => _process.HasExited || await AcceptsAsync(), TimeSpan.FromSeconds(10),
            () => $"rsync daemon on port {Port} did not come up; its log:\n{Log()}");
        if (_process.HasExited)
        {
            throw new InvalidOperationException($"rsync daemon exited with {_process.ExitCode}; its log:\n{Log()}");
        }
    }

    public async Task StopAsync()
    {
        if (_process is null)
        {
            return;
        }
        // Per-connection children die with their connections; the listener is the one to stop.
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
        _process = null;
    }

    public string Log() => File.Exists(LogFile) ? File.ReadAllText(LogFile) : "(no log)";

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _dir.Dispose();
    }

    private async Task<bool> AcceptsAsync()
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, Port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static async Task<string> IdAsync(string which)
    {
        var result = await ProcessRunner.Default.RunAsync(new ProcessSpec("id", [which]));
        Assert.True(result.Succeeded, $"id {which} failed: {result.StandardError}");
        return result.StandardOutput.Trim();
    }

    // A port nobody listens on now; the daemon binds it when (and if) the test starts it.
    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
