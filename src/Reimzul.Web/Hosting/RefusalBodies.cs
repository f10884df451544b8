using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;
using Reimzul.Protocol;

namespace Reimzul.Web.Hosting;

/// <summary>
/// Every refusal says what and why, as <c>{"error": "..."}</c>, never with a server path: the ones routing leaves
/// empty (404, 405), an exception that escaped a handler (a 500 without its details), and the ones Kestrel sends
/// itself for a request it could not parse (<c>%00</c> in the path, a malformed request line), before any middleware.
/// Kestrel's cannot be configured, so <see cref="FillKestrelRefusals"/> completes them on their way out.
/// </summary>
internal static class RefusalBodies
{
    public static void UseRefusalBodies(this WebApplication app, ILogger logger, string served) => app.Use(async (context, next) =>
    {
        var connection = context.Features.Get<IConnectionItemsFeature>()?.Items.TryGetValue(typeof(ConnectionState), out var item) == true
            ? item as ConnectionState
            : null;
        if (connection is not null)
        {
            connection.InApp = true;
            context.Response.OnCompleted(() =>
            {
                connection.InApp = false;
                return Task.CompletedTask;
            });
        }
        try
        {
            await next(context);
        }
        catch (Microsoft.AspNetCore.Http.BadHttpRequestException ex) when (!context.Response.HasStarted)
        {
            await WriteAsync(context, ex.StatusCode, $"the request was refused: {ex.Message}");
            return;
        }
        catch (Exception ex) when (!context.Response.HasStarted && ex is not OperationCanceledException)
        {
            logger.LogError(ex, "{Method} {Path} failed", context.Request.Method, context.Request.Path.Value);
            await WriteAsync(context, StatusCodes.Status500InternalServerError, "the server failed to handle this request; its log says why");
            return;
        }
        if (!context.Response.HasStarted && context.Response.StatusCode >= 400)
        {
            await WriteAsync(context, context.Response.StatusCode, Explain(context, served));
        }
    });

    /// <summary>After <c>UseHttps</c> (or alone on plain HTTP): sees what Kestrel writes, in clear.</summary>
    public static void FillKestrelRefusals(ListenOptions listen) => listen.Use(next => async connection =>
    {
        var state = new ConnectionState();
        connection.Items[typeof(ConnectionState)] = state;
        var transport = connection.Transport;
        var output = PipeWriter.Create(new RefusalFillingStream(transport.Output.AsStream(leaveOpen: true), state), new StreamPipeWriterOptions(leaveOpen: true));
        connection.Transport = new DuplexPipe(transport.Input, output);
        try
        {
            await next(connection);
        }
        finally
        {
            await output.CompleteAsync();
            connection.Transport = transport;
        }
    });

    private static string Explain(HttpContext context, string served)
    {
        var request = context.Request;
        var path = request.Path.Value ?? "/";
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? path;
        return context.Response.StatusCode switch
        {
            // The path is not echoed: what a client asked for need not come back in the answer.
            StatusCodes.Status404NotFound when raw.Contains("..", StringComparison.Ordinal) =>
                "nothing is served there: '..' in the request path is resolved before the path is looked up, so it cannot climb out of what is served; " + served,
            StatusCodes.Status404NotFound => "nothing is served at this path; " + served,
            StatusCodes.Status405MethodNotAllowed => $"{request.Method} is not allowed on {path}; allowed: {context.Response.Headers.Allow}",
            var status => $"the request was refused ({status})",
        };
    }

    private static Task WriteAsync(HttpContext context, int status, string message)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(new ErrorBody(message), RemoteJsonContext.Readable.ErrorBody);
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.ContentLength = body.Length;
        return context.Response.Body.WriteAsync(body).AsTask();
    }

    // What Kestrel cannot tell us: which check of the request it failed. Its status is the best there is.
    private static string KestrelReason(int status) => status switch
    {
        400 => "the request could not be parsed: its request line or a header is malformed (for example a NUL or control character, or an invalid %-escape, in the path); nothing was done",
        408 => "the request did not arrive in time",
        411 => "a request with a body needs Content-Length or chunked transfer encoding",
        413 => "the request body is larger than this service accepts",
        414 => "the request target (URL) is too long",
        431 => "the request headers are too large",
        501 => "this transfer encoding is not supported",
        505 => "this HTTP version is not served (use HTTP/1.1)",
        _ => $"the request was refused before it could be read ({status})",
    };

    private sealed class ConnectionState
    {
        public volatile bool InApp;
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input => input;
        public PipeWriter Output => output;
    }

    /// <summary>
    /// Passes everything through, except Kestrel's own refusal: a 4xx/5xx head with <c>Content-Length: 0</c> and
    /// <c>Connection: close</c>, written alone while no request is in the application. It gets a JSON body.
    /// </summary>
    private sealed class RefusalFillingStream(Stream inner, ConnectionState state) : Stream
    {
        private const int LongestHead = 2048;
        private static readonly byte[] StatusLineStart = "HTTP/1.1 "u8.ToArray();

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
            inner.WriteAsync(!state.InApp && Filled(buffer.Span) is { } filled ? filled : buffer, cancellationToken);

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override void Flush() => inner.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        private static byte[]? Filled(ReadOnlySpan<byte> data)
        {
            if (data.Length > LongestHead || data.Length < StatusLineStart.Length + 3 || !data.StartsWith(StatusLineStart) || !data.EndsWith("\r\n\r\n"u8))
            {
                return null;
            }
            var head = Encoding.ASCII.GetString(data);
            if (!int.TryParse(head.AsSpan(StatusLineStart.Length, 3), out var status) || status < 400
                || !head.Contains("\r\nContent-Length: 0\r\n", StringComparison.OrdinalIgnoreCase)
                || !head.Contains("\r\nConnection: close\r\n", StringComparison.OrdinalIgnoreCase))
            {
                return null;
            }
            var body = JsonSerializer.SerializeToUtf8Bytes(new ErrorBody(KestrelReason(status)), RemoteJsonContext.Readable.ErrorBody);
            var at = head.IndexOf("\r\nContent-Length: 0\r\n", StringComparison.OrdinalIgnoreCase);
            var filled = head[..at] + $"\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: {body.Length}\r\n" + head[(at + "\r\nContent-Length: 0\r\n".Length)..];
            return [.. Encoding.ASCII.GetBytes(filled), .. body];
        }
    }
}
