using System.ComponentModel;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Reimzul.Queue.Beanstalk;

namespace Reimzul.Tests.Support;

/// <summary>
/// A real beanstalkd on a free loopback port with its binlog on, for one test class (or one test).
/// It can be killed with SIGKILL and started again on the same port and binlog dir.
/// </summary>
public sealed class BeanstalkdServer : IAsyncLifetime, IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(10);
    private readonly TempDir _dir = new("reimzul-beanstalkd");
    private readonly string[] _extraArguments;
    private Process? _process;

    public BeanstalkdServer()
        : this([])
    {
    }

    /// <param name="extraArguments">More beanstalkd options, e.g. <c>-z 1024</c>.</param>
    internal BeanstalkdServer(params string[] extraArguments)
    {
        _extraArguments = extraArguments;
        BinlogDir = _dir.Combine("binlog");
        Directory.CreateDirectory(BinlogDir);
    }

    public string BinlogDir { get; }

    public int Port { get; private set; }

    public BeanstalkdOptions Options => new() { Host = "127.0.0.1", Port = Port };

    public async Task InitializeAsync()
    {
        // A port found free can be taken before beanstalkd binds it; try a few.
        for (var attempt = 1; ; attempt++)
        {
            Port = FreePort();
            try
            {
                await StartAsync();
                return;
            }
            catch (InvalidOperationException) when (attempt < 5)
            {
            }
        }
    }

    /// <summary>Starts beanstalkd on <see cref="Port"/> with <see cref="BinlogDir"/>; returns once it accepts connections.</summary>
    public async Task StartAsync()
    {
        var start = new ProcessStartInfo("beanstalkd")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            ArgumentList = { "-l", "127.0.0.1", "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-b", BinlogDir },
        };
        foreach (var argument in _extraArguments)
        {
            start.ArgumentList.Add(argument);
        }
        _process?.Dispose();
        try
        {
            _process = Process.Start(start) ?? throw new InvalidOperationException("beanstalkd did not start");
        }
        catch (Win32Exception ex)
        {
            throw new InvalidOperationException("beanstalkd is not installed (apt-get install beanstalkd)", ex);
        }
        var stderr = _process.StandardError.ReadToEndAsync();
        var deadline = Stopwatch.StartNew();
        while (!await AcceptsAsync(Port))
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"beanstalkd exited with {_process.ExitCode}: {await stderr}");
            }
            if (deadline.Elapsed > StartTimeout)
            {
                throw new InvalidOperationException($"beanstalkd did not accept connections on port {Port} within {StartTimeout.TotalSeconds} s");
            }
            await Task.Delay(10);
        }
    }

    /// <summary>SIGKILL, as a crash would: no chance to flush anything beyond what the binlog already holds.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
    }

    /// <summary>A plain connection that speaks the protocol by hand, to see exactly what the server answers.</summary>
    public async Task<RawBeanstalkConnection> ConnectRawAsync()
    {
        var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, Port);
        return new RawBeanstalkConnection(client);
    }

    public async Task DisposeAsync()
    {
        await KillAsync();
        Dispose();
    }

    public void Dispose()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            process.WaitForExit();
        }
        _process?.Dispose();
        _process = null;
        _dir.Dispose();
    }

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    internal static async Task<bool> AcceptsAsync(int port)
    {
        using var probe = new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await probe.ConnectAsync(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}

/// <summary>Protocol by hand: send bytes, read reply lines.</summary>
public sealed class RawBeanstalkConnection(TcpClient client) : IDisposable
{
    private readonly NetworkStream _stream = client.GetStream();
    private readonly StreamReader _reader = new(client.GetStream(), Encoding.ASCII);

    public async Task SendAsync(string text) => await _stream.WriteAsync(Encoding.ASCII.GetBytes(text));

    /// <summary>The next reply line; fails instead of hanging when none comes within <paramref name="seconds"/>.</summary>
    public async Task<string> ReadLineAsync(double seconds = 10) =>
        await _reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(seconds)) ?? throw new IOException("the server closed the connection");

    /// <summary>A job body of <paramref name="bytes"/> bytes (ASCII) and its trailing CRLF.</summary>
    public async Task<string> ReadBodyAsync(int bytes)
    {
        var buffer = new char[bytes + 2];
        for (var read = 0; read < buffer.Length;)
        {
            var n = await _reader.ReadAsync(buffer.AsMemory(read)).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            read += n > 0 ? n : throw new IOException("the server closed the connection");
        }
        return new string(buffer, 0, bytes);
    }

    public async Task<string> CommandAsync(string line)
    {
        await SendAsync(line + "\r\n");
        return await ReadLineAsync();
    }

    public void Dispose()
    {
        _reader.Dispose();
        client.Dispose();
    }
}
