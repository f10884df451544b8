using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;
using Reimzul.Web.Auth;

namespace Reimzul.Web.Hosting;

/// <summary>
/// Logs each connection to an HTTPS port whose TLS handshake fails (plain HTTP sent to it, a client that does not
/// trust the server, a protocol mismatch) once, with the peer and the reason, through the bounded <see cref="RefusalLog"/>.
/// Kestrel only logs these at debug level and without the peer; its reason is taken from that log event
/// (<see cref="LoggerFactory"/>), the peer from the connection. Client certificates are judged per request, so a
/// missing, expired or foreign one is refused (and logged) by <see cref="WriterAuthenticator"/>, not here.
/// </summary>
internal sealed class TlsHandshakeLog(RefusalLog refusals)
{
    private const byte TlsHandshakeRecord = 0x16;
    private static readonly TimeSpan FirstBytesWait = TimeSpan.FromSeconds(10);

    // The connection whose handshake Kestrel is running in this async flow: its failure is logged to us there.
    private static readonly AsyncLocal<Attempt?> Current = new();

    /// <summary>Before <c>UseHttps</c>: sees the raw connection.</summary>
    public void WatchHandshake(ListenOptions listen) => listen.Use(next => async connection =>
    {
        var attempt = new Attempt();
        connection.Items[typeof(Attempt)] = attempt;
        var (firstBytes, _) = await PeekAsync(connection);
        Current.Value = attempt;
        await next(connection);
        if (!attempt.Established && firstBytes.Length > 0)
        {
            refusals.RefusedConnection(Peer(connection.RemoteEndPoint), Reason(firstBytes, attempt));
        }
    });

    /// <summary>
    /// After <c>UseHttps</c>: reached only once the handshake succeeded. A .NET client checks the server's certificate
    /// once the handshake is done and, refusing it, hangs up without a word: a connection that closes before its
    /// first request byte is that, or a probe.
    /// </summary>
    public static void MarkEstablished(ListenOptions listen) => listen.Use(next => async connection =>
    {
        if (connection.Items.TryGetValue(typeof(Attempt), out var item) && item is Attempt attempt)
        {
            attempt.Handshaken = true;
            var (firstBytes, closed) = await PeekAsync(connection);
            attempt.Established = firstBytes.Length > 0 || !closed;
        }
        await next(connection);
    });

    /// <summary>Kestrel's logger factory, which hands the handshake failures it logs to the connection they belong to.</summary>
    public static ILoggerFactory LoggerFactory(ILoggerFactory inner) => new WatchingLoggerFactory(inner);

    // The first bytes, left unread for TLS: a handshake starts with 0x16, plain HTTP with a method name.
    // Closed: the peer hung up before sending anything (a timeout is not that).
    private static async Task<(byte[] FirstBytes, bool Closed)> PeekAsync(ConnectionContext connection)
    {
        var input = connection.Transport.Input;
        using var timeout = new CancellationTokenSource(FirstBytesWait);
        await using var registration = timeout.Token.Register(input.CancelPendingRead);
        ReadResult read;
        try
        {
            read = await input.ReadAsync();
        }
        catch (Exception ex) when (ex is IOException or ConnectionResetException or ConnectionAbortedException or ObjectDisposedException)
        {
            return ([], true);
        }
        var first = read.Buffer.Slice(0, Math.Min(read.Buffer.Length, 64)).ToArray();
        input.AdvanceTo(read.Buffer.Start, read.Buffer.Start);
        return (first, first.Length == 0 && read.IsCompleted && !read.IsCanceled);
    }

    private static string Reason(byte[] firstBytes, Attempt attempt)
    {
        if (firstBytes[0] != TlsHandshakeRecord)
        {
            var text = Encoding.ASCII.GetString(firstBytes);
            var line = text.Split('\r', '\n')[0];
            return text.Length > 0 && char.IsAsciiLetterUpper(text[0])
                ? $"plain HTTP sent to the HTTPS port (\"{line}\"); use an https:// URL"
                : "not a TLS handshake: this port speaks HTTPS only";
        }
        if (attempt.TimedOut)
        {
            return "the TLS handshake timed out";
        }
        return attempt.Failure is { } failure ? "TLS handshake failed: " + Describe(failure)
            : attempt.Handshaken ? "TLS handshake failed: the client hung up right after it, before any request (it does not trust this server's certificate, or only probed the port)"
            : "TLS handshake failed: the client closed the connection";
    }

    // The innermost message is OpenSSL's, e.g. "tlsv1 alert unknown ca"; the outer ones say "see inner exception".
    private static string Describe(Exception failure)
    {
        var messages = new List<string>();
        for (var ex = failure; ex is not null; ex = ex.InnerException)
        {
            messages.Add(ex.Message.Trim());
        }
        var innermost = messages[^1];
        var meaning = innermost switch
        {
            _ when innermost.Contains("unknown ca", StringComparison.OrdinalIgnoreCase) => "the client does not trust this server's certificate (unknown CA)",
            _ when innermost.Contains("bad certificate", StringComparison.OrdinalIgnoreCase) => "the client rejected this server's certificate",
            _ when innermost.Contains("certificate expired", StringComparison.OrdinalIgnoreCase) => "the client says this server's certificate expired",
            _ when innermost.Contains("unsupported protocol", StringComparison.OrdinalIgnoreCase) || innermost.Contains("version", StringComparison.OrdinalIgnoreCase)
                => "no TLS version in common (TLS 1.2 or 1.3 is served)",
            _ when innermost.Contains("EOF", StringComparison.Ordinal) || innermost.Contains("0 bytes", StringComparison.Ordinal)
                => "the client closed the connection during the handshake (it may not trust this server's certificate)",
            _ => null,
        };
        return meaning is null ? innermost : $"{meaning} ({innermost})";
    }

    private static string Peer(EndPoint? endPoint) => endPoint switch
    {
        IPEndPoint ip => $"{(ip.Address.IsIPv4MappedToIPv6 ? ip.Address.MapToIPv4() : ip.Address)}:{ip.Port}",
        null => "an unknown peer",
        var other => other.ToString() ?? "an unknown peer",
    };

    private sealed class Attempt
    {
        public volatile bool Established;
        public volatile bool Handshaken;
        public volatile bool TimedOut;
        public Exception? Failure;
    }

    private sealed class WatchingLoggerFactory(ILoggerFactory inner) : ILoggerFactory
    {
        public ILogger CreateLogger(string categoryName)
        {
            var logger = inner.CreateLogger(categoryName);
            return categoryName.EndsWith(".HttpsConnectionMiddleware", StringComparison.Ordinal) ? new WatchingLogger(logger) : logger;
        }

        public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

        // The host's factory is the caller's to dispose.
        public void Dispose()
        {
        }
    }

    private sealed class WatchingLogger(ILogger inner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => inner.BeginScope(state);

        // Kestrel logs handshake failures at debug level: they must reach Log whatever the configured level.
        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (Current.Value is { } attempt)
            {
                switch (eventId.Name)
                {
                    case "AuthenticationFailed":
                        attempt.Failure = exception;
                        break;
                    case "AuthenticationTimedOut":
                        attempt.TimedOut = true;
                        break;
                }
            }
            if (inner.IsEnabled(logLevel))
            {
                inner.Log(logLevel, eventId, state, exception, formatter);
            }
        }
    }
}
