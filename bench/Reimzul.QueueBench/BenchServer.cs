using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Reimzul.QueueBench;

/// <summary>One beanstalkd on a free loopback port, killed when the benchmark ends.</summary>
internal sealed class BenchServer : IDisposable
{
    private readonly Process _process;

    private BenchServer(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public static async Task<BenchServer> StartAsync(string? binlogDir)
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        var start = new ProcessStartInfo("beanstalkd") { ArgumentList = { "-l", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture) } };
        if (binlogDir is not null)
        {
            start.ArgumentList.Add("-b");
            start.ArgumentList.Add(binlogDir);
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException("beanstalkd did not start (apt-get install beanstalkd)");
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await socket.ConnectAsync(IPAddress.Loopback, port);
                return new BenchServer(process, port);
            }
            catch (SocketException) when (!process.HasExited && deadline.Elapsed < TimeSpan.FromSeconds(10))
            {
                await Task.Delay(10);
            }
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }
        _process.Dispose();
    }
}
