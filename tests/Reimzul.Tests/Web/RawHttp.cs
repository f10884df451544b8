using System.Net.Sockets;
using System.Text;

namespace Reimzul.Tests.Web;

/// <summary>
/// A request line sent exactly as written, over plain HTTP: HttpClient resolves <c>..</c> in a URI before sending,
/// and an attacker's client would not.
/// </summary>
public static class RawHttp
{
    /// <summary>The status code and body of <c>METHOD target</c> sent to <paramref name="server"/>.</summary>
    public static async Task<(int Status, string Body)> SendAsync(Uri server, string method, string target, string? bearerToken = null)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(server.Host, server.Port);
        var stream = tcp.GetStream();
        var authorization = bearerToken is null ? "" : $"Authorization: Bearer {bearerToken}\r\n";
        var request = $"{method} {target} HTTP/1.1\r\nHost: {server.Authority}\r\n{authorization}Content-Length: 0\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var response = await reader.ReadToEndAsync();
        var statusLine = response[..response.IndexOf('\r', StringComparison.Ordinal)];
        var bodyStart = response.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        return (int.Parse(statusLine.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture), bodyStart < 0 ? "" : response[(bodyStart + 4)..]);
    }
}
