using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Runtime.Versioning;
using System.Text;
using Reimzul.Processes;
using Reimzul.Tests.Support;

namespace Reimzul.Tests.Deploy;

/// <summary>
/// Runs a role as systemd runs a <c>Type=notify</c> service, as far as the program can tell: the child of a
/// process named <c>systemd</c> (how Microsoft.Extensions.Hosting.Systemd 10 recognises its service manager),
/// with <c>NOTIFY_SOCKET</c> naming a datagram socket that collects what it reports. No systemd runs here as
/// PID 1, so the parent is a shell under that name.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed class NotifiedRole : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly Process _manager;
    private readonly ConcurrentQueue<string> _notifications = new();
    private readonly ConcurrentQueue<string> _output = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _receiving;
    private readonly string _pidFile;

    private NotifiedRole(string dir, string[] reimzulArguments)
    {
        var socketPath = Path.Combine(dir, "notify.sock");
        _socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        _socket.Bind(new UnixDomainSocketEndPoint(socketPath));
        _receiving = ReceiveAsync();

        var manager = Path.Combine(dir, "systemd");
        File.Copy("/bin/sh", manager);
        File.SetUnixFileMode(manager, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        _pidFile = Path.Combine(dir, "main.pid");

        var spec = ReimzulCli.Spec(reimzulArguments);
        var psi = new ProcessStartInfo(manager) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        // Started in the background so the shell stays its parent; the shell's exit status is the role's.
        foreach (var argument in new[] { "-c", "\"$@\" & echo $! > \"$MAIN_PID_FILE\"; wait $!", "systemd", spec.FileName }.Concat(spec.Arguments))
        {
            psi.ArgumentList.Add(argument);
        }
        foreach (var (key, value) in spec.Environment)
        {
            if (value is null)
            {
                psi.Environment.Remove(key);
            }
            else
            {
                psi.Environment[key] = value;
            }
        }
        psi.Environment["NOTIFY_SOCKET"] = socketPath;
        psi.Environment["MAIN_PID_FILE"] = _pidFile;
        _manager = Process.Start(psi)!;
        _manager.OutputDataReceived += (_, e) => { if (e.Data is not null) { _output.Enqueue(e.Data); } };
        _manager.ErrorDataReceived += (_, e) => { if (e.Data is not null) { _output.Enqueue(e.Data); } };
        _manager.BeginOutputReadLine();
        _manager.BeginErrorReadLine();
    }

    public static NotifiedRole Start(string dir, params string[] reimzulArguments) => new(dir, reimzulArguments);

    public IReadOnlyList<string> Notifications => [.. _notifications];

    public string Output => string.Join('\n', _output);

    public async Task WaitForNotificationAsync(string notification, TimeSpan timeout)
    {
        await Eventually.WaitAsync(() => _notifications.Contains(notification) || _manager.HasExited, timeout,
            () => $"no {notification} within {timeout.TotalSeconds} s; notifications: [{string.Join(", ", _notifications)}]; output:\n{Output}");
        if (!_notifications.Contains(notification))
        {
            Assert.Fail($"the role exited ({_manager.ExitCode}) without {notification}; notifications: [{string.Join(", ", _notifications)}]; output:\n{Output}");
        }
    }

    /// <summary>SIGTERM to the role, as <c>systemctl stop</c> sends it; its exit status.</summary>
    public async Task<int> StopAsync()
    {
        await Eventually.WaitAsync(() => File.Exists(_pidFile) && File.ReadAllText(_pidFile).EndsWith('\n'), TimeSpan.FromSeconds(10), () => "no main pid");
        var pid = int.Parse(File.ReadAllText(_pidFile).Trim(), CultureInfo.InvariantCulture);
        await ProcessRunner.Default.RunAsync(new ProcessSpec("kill", ["-TERM", pid.ToString(CultureInfo.InvariantCulture)]));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(40));
        await _manager.WaitForExitAsync(timeout.Token);
        return _manager.ExitCode;
    }

    private async Task ReceiveAsync()
    {
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                var count = await _socket.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                foreach (var line in Encoding.UTF8.GetString(buffer, 0, count).Split('\n', StringSplitOptions.RemoveEmptyEntries))
                {
                    _notifications.Enqueue(line);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (SocketException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_manager.HasExited)
        {
            _manager.Kill(entireProcessTree: true);
            await _manager.WaitForExitAsync();
        }
        await _stop.CancelAsync();
        await _receiving;
        _socket.Dispose();
        _manager.Dispose();
        _stop.Dispose();
    }
}
