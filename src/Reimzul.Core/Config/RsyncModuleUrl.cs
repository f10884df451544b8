using System.Globalization;

namespace Reimzul.Config;

/// <summary>
/// Checks and normalises an rsync daemon URL, <c>rsync://[user@]host[:port]/module[/dir]</c>. The port
/// defaults to Reimzul's 11874, not rsync's 873, as the original deployment ran its daemon there.
/// Only characters that neither rsync nor the daemon interpret are accepted.
/// </summary>
internal static class RsyncModuleUrl
{
    public const int DefaultPort = 11874;

    private const string Scheme = "rsync://";

    /// <summary>The URL with an explicit port and no trailing slash; <see cref="ArgumentException"/> when it is not usable.</summary>
    public static string Normalize(string? value) =>
        TryNormalize(value, out var normalized, out var error) ? normalized : throw new ArgumentException($"rsync URL: {error}", nameof(value));

    /// <summary>Why <paramref name="value"/> is not a usable module URL, or null when it is.</summary>
    public static string? Problem(string value) => TryNormalize(value, out _, out var error) ? null : error;

    public static bool TryNormalize(string? value, out string normalized, out string error)
    {
        normalized = "";
        error = Check(value, out var user, out var host, out var port, out var path) ?? "";
        if (error.Length > 0)
        {
            return false;
        }
        normalized = $"{Scheme}{(user is null ? "" : user + "@")}{host}:{port.ToString(CultureInfo.InvariantCulture)}/{path}";
        return true;
    }

    private static string? Check(string? value, out string? user, out string host, out int port, out string path)
    {
        user = null;
        host = "";
        port = DefaultPort;
        path = "";
        if (string.IsNullOrEmpty(value))
        {
            return "is empty";
        }
        if (!value.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return $"'{value}' does not start with {Scheme} (use {Scheme}host[:port]/module)";
        }
        var rest = value[Scheme.Length..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        path = slash < 0 ? "" : rest[(slash + 1)..].TrimEnd('/');
        if (path.Length == 0)
        {
            return $"'{value}' names no module (use {Scheme}host[:port]/module)";
        }
        var authority = slash < 0 ? rest : rest[..slash];

        var at = authority.LastIndexOf('@');
        if (at >= 0)
        {
            user = authority[..at];
            authority = authority[(at + 1)..];
            if (user.Length == 0 || !user.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
            {
                return $"'{value}': the user must be letters, digits, '.', '_' or '-'";
            }
        }

        string portText;
        if (authority.StartsWith('['))
        {
            var close = authority.IndexOf(']', StringComparison.Ordinal);
            if (close < 0 || !authority[1..close].All(c => char.IsAsciiHexDigit(c) || c is ':' or '.'))
            {
                return $"'{value}': bad IPv6 address";
            }
            host = authority[..(close + 1)];
            portText = authority[(close + 1)..];
        }
        else
        {
            var colon = authority.IndexOf(':', StringComparison.Ordinal);
            host = colon < 0 ? authority : authority[..colon];
            portText = colon < 0 ? "" : authority[colon..];
            if (host.Length == 0 || !host.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-') || host.StartsWith('-'))
            {
                return $"'{value}': the host must be a name or address (letters, digits, '.' and '-')";
            }
        }
        if (portText.Length > 0)
        {
            if (!portText.StartsWith(':')
                || !int.TryParse(portText.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out port)
                || port is < 1 or > 65535)
            {
                return $"'{value}': the port must be a number from 1 to 65535";
            }
        }

        foreach (var segment in path.Split('/'))
        {
            if (segment.Length == 0 || segment is "." or ".."
                || !segment.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or '+' or '~'))
            {
                return $"'{value}': module and dir names must be letters, digits, '.', '_', '-', '+' or '~', without empty, '.' or '..' parts";
            }
        }
        return null;
    }
}
