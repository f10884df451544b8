using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Reimzul.Web.Auth;

/// <summary>
/// Logs each refused write and each refused connection once: method, path, peer, the identity offered and the reason. At most
/// <see cref="Limit"/> lines per <see cref="Window"/>, so a flood of bad requests cannot fill the disk; the refusals
/// left out are counted and reported with the next line that is logged.
/// </summary>
internal sealed class RefusalLog(ILogger logger, TimeProvider time)
{
    public const int Limit = 30;

    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    private const int LongestShown = 200;

    private readonly Lock _lock = new();
    private DateTimeOffset _windowStart = DateTimeOffset.MinValue;
    private int _logged;
    private int _leftOut;

    public void Refused(HttpContext context, int status, string identity, string reason)
    {
        if (TryTakeLine(out var leftOut))
        {
            var peer = context.Connection.RemoteIpAddress is { } address ? $"{address}:{context.Connection.RemotePort}" : "an unknown peer";
            logger.LogWarning("refused {Method} {Path} from {Peer} ({Identity}): {Status} {Reason}{LeftOut}",
                Shown(context.Request.Method), Shown(context.Request.Path.Value ?? ""), peer, Shown(identity), status, Shown(reason), LeftOut(leftOut));
        }
    }

    /// <summary>A connection refused before any request: a failed TLS handshake, plain HTTP on the HTTPS port.</summary>
    public void RefusedConnection(string peer, string reason)
    {
        if (TryTakeLine(out var leftOut))
        {
            logger.LogWarning("refused a connection from {Peer}: {Reason}{LeftOut}", peer, Shown(reason), LeftOut(leftOut));
        }
    }

    private bool TryTakeLine(out int leftOut)
    {
        leftOut = 0;
        lock (_lock)
        {
            var now = time.GetUtcNow();
            if (now - _windowStart >= Window)
            {
                _windowStart = now;
                _logged = 0;
            }
            if (_logged >= Limit)
            {
                _leftOut++;
                return false;
            }
            _logged++;
            leftOut = _leftOut;
            _leftOut = 0;
            return true;
        }
    }

    private static string LeftOut(int leftOut) =>
        leftOut > 0 ? $" ({leftOut} earlier refusal(s) not logged: more than {Limit} a minute)" : "";

    // Request data is the client's: one refusal, one line, bounded.
    private static string Shown(string text)
    {
        var builder = new StringBuilder(Math.Min(text.Length, LongestShown));
        foreach (var c in text.Length <= LongestShown ? text : text[..LongestShown])
        {
            builder.Append(char.IsControl(c) ? '?' : c);
        }
        return text.Length <= LongestShown ? builder.ToString() : builder.Append('…').ToString();
    }
}
