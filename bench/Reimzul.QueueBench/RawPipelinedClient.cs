using System.Buffers.Text;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Reimzul.QueueBench;

/// <summary>
/// The server's ceiling: a bare socket, whole batches of commands built once and written in one go,
/// replies scanned in place with no allocation beyond the buffers. Not a client anyone should use.
/// </summary>
internal sealed class RawPipelinedClient : IDisposable
{
    private readonly Socket _socket;
    private readonly byte[] _in = new byte[1 << 20];
    private int _start;
    private int _end;

    private RawPipelinedClient(Socket socket) => _socket = socket;

    public static async Task<RawPipelinedClient> ConnectAsync(int port)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(IPAddress.Loopback, port);
        return new RawPipelinedClient(socket);
    }

    public async Task SetUpAsync(string tube)
    {
        await _socket.SendAsync(Encoding.ASCII.GetBytes($"use {tube}\r\nwatch {tube}\r\nignore default\r\n"));
        for (var i = 0; i < 3; i++)
        {
            await ReadLineAsync();
        }
    }

    /// <summary>Put, reserve and delete <paramref name="cycles"/> jobs in batches; returns the seconds it took.</summary>
    public async Task<double> RunAsync(int cycles, int batch, byte[] body)
    {
        var put = Repeat($"put 10 0 60 {body.Length}\r\n{Encoding.ASCII.GetString(body)}\r\n", batch);
        var reserve = Repeat("reserve-with-timeout 0\r\n", batch);
        var ids = new long[batch];
        var deletes = new byte[batch * 32];
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        for (var done = 0; done < cycles; done += batch)
        {
            var sending = _socket.SendAsync(put.AsMemory()).AsTask();
            for (var i = 0; i < batch; i++)
            {
                await ReadLineAsync();
            }
            await sending;

            sending = _socket.SendAsync(reserve.AsMemory()).AsTask();
            for (var i = 0; i < batch; i++)
            {
                var (lineStart, lineLength) = await ReadLineAsync();
                var line = _in.AsSpan(lineStart, lineLength)["RESERVED "u8.Length..];
                var space = line.IndexOf((byte)' ');
                if (space < 0 || !Utf8Parser.TryParse(line[..space], out ids[i], out _) || !Utf8Parser.TryParse(line[(space + 1)..], out int length, out _))
                {
                    throw new InvalidOperationException($"unexpected reply to reserve: {Encoding.ASCII.GetString(_in, lineStart, lineLength)}");
                }
                await SkipAsync(length + 2);
            }
            await sending;

            var used = 0;
            foreach (var id in ids)
            {
                "delete "u8.CopyTo(deletes.AsSpan(used));
                used += 7;
                Utf8Formatter.TryFormat(id, deletes.AsSpan(used), out var written);
                used += written;
                "\r\n"u8.CopyTo(deletes.AsSpan(used));
                used += 2;
            }
            sending = _socket.SendAsync(deletes.AsMemory(0, used)).AsTask();
            for (var i = 0; i < batch; i++)
            {
                await ReadLineAsync();
            }
            await sending;
        }
        return System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds;
    }

    public void Dispose() => _socket.Dispose();

    private static byte[] Repeat(string command, int times) => Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat(command, times)));

    private async ValueTask<(int Start, int Length)> ReadLineAsync()
    {
        while (true)
        {
            var newline = _in.AsSpan(_start, _end - _start).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                var line = (_start, newline - 1);
                _start += newline + 1;
                return line;
            }
            await FillAsync();
        }
    }

    private async ValueTask SkipAsync(int count)
    {
        while (_end - _start < count)
        {
            count -= _end - _start;
            _start = _end;
            await FillAsync();
        }
        _start += count;
    }

    private async ValueTask FillAsync()
    {
        if (_start == _end)
        {
            _start = _end = 0;
        }
        else if (_end == _in.Length)
        {
            Buffer.BlockCopy(_in, _start, _in, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
        var read = await _socket.ReceiveAsync(_in.AsMemory(_end));
        _end += read > 0 ? read : throw new IOException("beanstalkd closed the connection");
    }
}
