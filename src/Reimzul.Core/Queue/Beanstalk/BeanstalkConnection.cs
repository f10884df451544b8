using System.Buffers.Text;
using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace Reimzul.Queue.Beanstalk;

/// <summary>
/// The transport of one beanstalkd connection: a TCP socket (under TLS when configured), a write buffer
/// that sends any number of commands in one write, a read buffer cut into reply lines and bodies, and
/// a watchdog that closes the connection when a reply is overdue, so a dead peer never hangs a caller.
/// Any transport failure closes the connection for good: the server then releases its reservations.
/// </summary>
internal sealed class BeanstalkConnection : IAsyncDisposable
{
    // Replies are short lines; one longer than this means the stream is not what we think it is.
    private const int MaxLineLength = 1024;

    private readonly Socket _socket;
    private readonly Stream _stream;
    private readonly ITimer _watchdog;
    private readonly byte[] _in = new byte[64 * 1024];
    private byte[] _out = new byte[4 * 1024];
    private int _outLength;
    private int _inStart;
    private int _inEnd;
    private long _replyDue;
    private volatile string? _closedReason;

    private BeanstalkConnection(Socket socket, Stream stream, string endpoint, bool tls)
    {
        _socket = socket;
        _stream = stream;
        Endpoint = endpoint;
        IsTls = tls;
        _watchdog = TimeProvider.System.CreateTimer(static state => ((BeanstalkConnection)state!).CheckReplyDue(), this, WatchdogPeriod, WatchdogPeriod);
    }

    private static TimeSpan WatchdogPeriod => TimeSpan.FromMilliseconds(250);

    public string Endpoint { get; }

    public bool IsTls { get; }

    /// <summary>Why the connection is closed; null while it is open.</summary>
    public string? ClosedReason => _closedReason;

    /// <exception cref="BeanstalkConnectionException">No connection could be made; the message says why.</exception>
    public static async Task<BeanstalkConnection> OpenAsync(BeanstalkdOptions options, BeanstalkTls? tls, CancellationToken cancellationToken)
    {
        var endpoint = options.Endpoint;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.ConnectTimeout);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        Stream? stream = null;
        try
        {
            await socket.ConnectAsync(options.Host, options.Port, timeout.Token);
            stream = new NetworkStream(socket, ownsSocket: true);
            if (tls is not null)
            {
                stream = await tls.AuthenticateAsync(stream, options.ServerName ?? options.Host, endpoint, timeout.Token);
            }
            return new BeanstalkConnection(socket, stream, endpoint, tls is not null);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            Close(socket, stream);
            throw new BeanstalkConnectionException(BeanstalkError.ConnectFailed,
                $"cannot connect to beanstalkd at {endpoint}: no connection within {options.ConnectTimeout.TotalSeconds:0.#} s");
        }
        catch (SocketException ex)
        {
            Close(socket, stream);
            throw new BeanstalkConnectionException(BeanstalkError.ConnectFailed, $"cannot connect to beanstalkd at {endpoint}: {ex.Message}", ex);
        }
        catch
        {
            Close(socket, stream);
            throw;
        }
    }

    public void Append(ReadOnlySpan<byte> bytes)
    {
        Reserve(bytes.Length);
        bytes.CopyTo(_out.AsSpan(_outLength));
        _outLength += bytes.Length;
    }

    /// <summary>Appends names already checked to be ASCII (tube names).</summary>
    public void AppendAscii(string text)
    {
        Reserve(text.Length);
        _outLength += Encoding.ASCII.GetBytes(text, _out.AsSpan(_outLength));
    }

    public void AppendNumber(ulong value)
    {
        Reserve(20);
        Utf8Formatter.TryFormat(value, _out.AsSpan(_outLength), out var written);
        _outLength += written;
    }

    public void AppendLineEnd() => Append("\r\n"u8);

    /// <summary>Sends everything appended so far in one write. The buffer must not be appended to until this completes.</summary>
    public async Task SendAsync()
    {
        var length = _outLength;
        _outLength = 0;
        ThrowIfClosed();
        try
        {
            await _stream.WriteAsync(_out.AsMemory(0, length));
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            throw Lost(ex);
        }
    }

    /// <summary>Allows <paramref name="allowance"/> for the next reply (or replies); past it the watchdog closes the connection.</summary>
    public void ExpectReplyWithin(TimeSpan allowance) =>
        Volatile.Write(ref _replyDue, Stopwatch.GetTimestamp() + (long)(allowance.TotalSeconds * Stopwatch.Frequency));

    public void ReplyReceived() => Volatile.Write(ref _replyDue, 0);

    /// <summary>The next reply line without its CRLF; valid until the next read.</summary>
    public async ValueTask<ReadOnlyMemory<byte>> ReadLineAsync()
    {
        var scanned = 0;
        while (true)
        {
            var buffered = _in.AsSpan(_inStart, _inEnd - _inStart);
            var newline = buffered[scanned..].IndexOf((byte)'\n');
            if (newline >= 0)
            {
                newline += scanned;
                if (newline == 0 || buffered[newline - 1] != (byte)'\r')
                {
                    throw Abort("a reply line did not end in CRLF (out of step with the server)");
                }
                var line = _in.AsMemory(_inStart, newline - 1);
                _inStart += newline + 1;
                return line;
            }
            if (buffered.Length >= MaxLineLength)
            {
                throw Abort($"a reply line was longer than {MaxLineLength} bytes (out of step with the server)");
            }
            scanned = buffered.Length;
            await FillAsync();
        }
    }

    /// <summary>Reads a body of <paramref name="length"/> bytes and the CRLF after it.</summary>
    public async ValueTask<byte[]> ReadBodyAsync(int length)
    {
        var body = new byte[length];
        var copied = Math.Min(length, _inEnd - _inStart);
        _in.AsSpan(_inStart, copied).CopyTo(body);
        _inStart += copied;
        while (copied < length)
        {
            // A large body goes straight into its own array rather than through the read buffer.
            var read = await ReadStreamAsync(body.AsMemory(copied));
            copied += read;
        }
        while (_inEnd - _inStart < 2)
        {
            await FillAsync();
        }
        if (_in[_inStart] != (byte)'\r' || _in[_inStart + 1] != (byte)'\n')
        {
            throw Abort("a body was not followed by CRLF (out of step with the server)");
        }
        _inStart += 2;
        return body;
    }

    /// <summary>
    /// True when the connection cannot carry a command: closed, or, while no reply is awaited, readable.
    /// The server never speaks unasked, so a readable idle socket means it hung up (or the stream is out of step).
    /// </summary>
    public bool IsUnusable()
    {
        if (_closedReason is not null)
        {
            return true;
        }
        if (_inEnd > _inStart)
        {
            Abort("the server sent bytes nobody asked for (out of step)");
            return true;
        }
        try
        {
            if (_socket.Poll(0, SelectMode.SelectRead))
            {
                Abort("the server closed the connection");
                return true;
            }
            return false;
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            Abort(ex.Message);
            return true;
        }
    }

    /// <summary>Closes the connection at once, failing any read or write in progress; the first reason given is kept.</summary>
    public BeanstalkConnectionException Abort(string reason)
    {
        if (_closedReason is null)
        {
            _closedReason = reason;
            _watchdog.Dispose();
            // The socket, not the stream: closing it fails a read or write in progress on any thread.
            _socket.Dispose();
        }
        return new BeanstalkConnectionException($"connection to beanstalkd at {Endpoint} lost: {_closedReason}");
    }

    /// <summary>Says goodbye with <c>quit</c> and waits (briefly) for the server to hang up, so it has released this connection's reservations and watches when this returns.</summary>
    public async Task QuitAsync(TimeSpan wait)
    {
        if (_closedReason is not null)
        {
            return;
        }
        try
        {
            _outLength = 0;
            Append("quit\r\n"u8);
            await SendAsync();
            ExpectReplyWithin(wait);
            var scratch = _in.AsMemory();
            while (await _stream.ReadAsync(scratch) > 0)
            {
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or BeanstalkException)
        {
            // Gone either way; nothing more to say to it.
        }
        finally
        {
            Abort("closed");
        }
    }

    /// <summary>Closes the connection; call when no read or write is in progress.</summary>
    public async ValueTask DisposeAsync()
    {
        Abort("closed");
        await _stream.DisposeAsync();
    }

    private void CheckReplyDue()
    {
        var due = Volatile.Read(ref _replyDue);
        if (due != 0 && Stopwatch.GetTimestamp() > due)
        {
            Abort("no reply in time (the server or the network is gone)");
        }
    }

    private async ValueTask FillAsync()
    {
        if (_inStart == _inEnd)
        {
            _inStart = _inEnd = 0;
        }
        else if (_inEnd == _in.Length)
        {
            Buffer.BlockCopy(_in, _inStart, _in, 0, _inEnd - _inStart);
            _inEnd -= _inStart;
            _inStart = 0;
        }
        _inEnd += await ReadStreamAsync(_in.AsMemory(_inEnd));
    }

    private async ValueTask<int> ReadStreamAsync(Memory<byte> into)
    {
        ThrowIfClosed();
        int read;
        try
        {
            read = await _stream.ReadAsync(into);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            throw Lost(ex);
        }
        return read > 0 ? read : throw Abort("the server closed the connection");
    }

    private void Reserve(int more)
    {
        if (_outLength + more > _out.Length)
        {
            Array.Resize(ref _out, Math.Max(_out.Length * 2, _outLength + more));
        }
    }

    private void ThrowIfClosed()
    {
        if (_closedReason is not null)
        {
            throw Abort(_closedReason);
        }
    }

    // The watchdog's or an earlier failure's reason explains the exception better than the exception itself.
    private BeanstalkConnectionException Lost(Exception ex)
    {
        var reason = _closedReason ?? ex.Message;
        var lost = Abort(reason);
        return new BeanstalkConnectionException(lost.Message, ex);
    }

    private static void Close(Socket socket, Stream? stream)
    {
        stream?.Dispose();
        socket.Dispose();
    }
}
