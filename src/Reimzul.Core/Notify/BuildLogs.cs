using System.Net.Http.Headers;
using System.Text;
using Reimzul.Messages;

namespace Reimzul.Notify;

/// <summary>
/// Where a finished build's logs are (<c>repo/TARGET/PKGNAME/TIMESTAMP/EVR.ARCH/</c>) and their last lines for a mail:
/// read from the repo on disk on one machine, fetched from bstore over HTTP(S) on many. Whatever a log holds
/// (invalid UTF-8, one line of megabytes, binary), the tail is readable text of bounded size.
/// </summary>
public sealed class BuildLogs
{
    /// <summary>Only this much of the end of a log is read: enough for 80 ordinary lines, and bounded however long the lines are.</summary>
    internal const int TailWindowBytes = 128 * 1024;

    /// <summary>A longer line is cut: a mail of 110 lines stays well under 100 KB.</summary>
    internal const int MaxLineChars = 500;

    private readonly string baseUrl;
    private readonly string? repoDir;
    private readonly HttpClient? http;

    private BuildLogs(string baseUrl, string? repoDir, HttpClient? http)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(baseUrl);
        this.baseUrl = baseUrl.TrimEnd('/') + "/";
        this.repoDir = repoDir;
        this.http = http;
    }

    /// <summary>Logs read from <paramref name="repoDir"/> (one machine); URLs under <paramref name="baseUrl"/> (<c>[bstore] base_url</c>).</summary>
    public static BuildLogs FromDisk(string baseUrl, string repoDir) => new(baseUrl, Path.GetFullPath(repoDir), null);

    /// <summary>Logs fetched with <paramref name="http"/> from under <paramref name="baseUrl"/> (many machines).</summary>
    public static BuildLogs OverHttp(string baseUrl, HttpClient http) => new(baseUrl, null, http ?? throw new ArgumentNullException(nameof(http)));

    /// <summary>The URL of the directory holding the build's logs and RPMs.</summary>
    public string UrlOf(BuildEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return baseUrl + string.Join('/', Segments(e).Select(Uri.EscapeDataString)) + "/";
    }

    /// <summary>
    /// The last <paramref name="lines"/> lines of <paramref name="fileName"/>, or one line saying why it cannot be had.
    /// Never throws for a missing or unreadable log: the mail goes out without it.
    /// </summary>
    public async Task<string> TailAsync(BuildEvent e, string fileName, int lines, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(e);
        byte[] window;
        bool fromStart;
        try
        {
            (window, fromStart) = http is null ? await ReadFromDiskAsync(e, fileName, ct) : await FetchAsync(e, fileName, ct);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or HttpRequestException or InvalidDataException
            or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return $"({fileName} cannot be had: {Printable(ex.Message)})\n";
        }
        return LastLines(window, fromStart, lines);
    }

    private async Task<(byte[] Window, bool FromStart)> ReadFromDiskAsync(BuildEvent e, string fileName, CancellationToken ct)
    {
        var segments = Segments(e);
        if (segments.Any(s => s.Length == 0 || s is "." or ".." || s.Contains('/', StringComparison.Ordinal) || s.Contains('\0', StringComparison.Ordinal)))
        {
            throw new InvalidDataException("the event does not name a result directory");
        }
        var path = Path.Combine([repoDir!, .. segments, fileName]);
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0, useAsync: true);
        var start = Math.Max(0, stream.Length - TailWindowBytes);
        stream.Seek(start, SeekOrigin.Begin);
        var buffer = new byte[stream.Length - start];
        await stream.ReadExactlyAsync(buffer, ct);
        return (buffer, start == 0);
    }

    private async Task<(byte[] Window, bool FromStart)> FetchAsync(BuildEvent e, string fileName, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, UrlOf(e) + Uri.EscapeDataString(fileName));
        // Only the end; a server that ignores ranges sends the whole file, and only its end is kept.
        request.Headers.Range = new RangeHeaderValue(null, TailWindowBytes);
        using var response = await http!.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        if (response.StatusCode == System.Net.HttpStatusCode.RequestedRangeNotSatisfiable)
        {
            return ([], true);
        }
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"{request.RequestUri} answered {(int)response.StatusCode} {response.ReasonPhrase}");
        }
        var partial = response.StatusCode == System.Net.HttpStatusCode.PartialContent;
        await using var body = await response.Content.ReadAsStreamAsync(ct);
        var (window, wrapped) = await KeepEndAsync(body, ct);
        return (window, partial ? response.Content.Headers.ContentRange?.From is null or 0 : !wrapped);
    }

    // Reads a stream to its end keeping only its last TailWindowBytes; wrapped when more than that came.
    private static async Task<(byte[] Window, bool Wrapped)> KeepEndAsync(Stream body, CancellationToken ct)
    {
        var ring = new byte[TailWindowBytes];
        long total = 0;
        int read;
        do
        {
            var offset = (int)(total % TailWindowBytes);
            read = await body.ReadAsync(ring.AsMemory(offset, TailWindowBytes - offset), ct);
            total += read;
        }
        while (read > 0);
        if (total <= TailWindowBytes)
        {
            return (ring[..(int)total], false);
        }
        var start = (int)(total % TailWindowBytes);
        return ([.. ring[start..], .. ring[..start]], true);
    }

    internal static string LastLines(byte[] window, bool fromStart, int count)
    {
        var text = Encoding.UTF8.GetString(window);
        var lines = text.Split('\n');
        var last = lines.Length;
        if (last > 0 && lines[last - 1].Length == 0)
        {
            last--;
        }
        // A window that began inside a line holds only its end: left out, unless it is all there is (one huge line).
        var first = !fromStart && last > 1 ? 1 : 0;
        var builder = new StringBuilder();
        for (var i = Math.Max(first, last - count); i < last; i++)
        {
            if (i == 0 && !fromStart)
            {
                builder.Append("[…] ");
            }
            builder.Append(Printable(lines[i].TrimEnd('\r'))).Append('\n');
        }
        return builder.ToString();
    }

    // Control characters (a binary log) become '?', so the mail stays text; a line too long is cut.
    private static string Printable(string line)
    {
        var cut = line.Length > MaxLineChars;
        var builder = new StringBuilder(Math.Min(line.Length, MaxLineChars) + 32);
        foreach (var c in cut ? line.AsSpan(0, MaxLineChars) : line.AsSpan())
        {
            builder.Append(char.IsControl(c) && c != '\t' ? '?' : c);
        }
        if (cut)
        {
            builder.Append($" […] ({line.Length - MaxLineChars} more characters)");
        }
        return builder.ToString();
    }

    private static string[] Segments(BuildEvent e) => [e.Target, e.PkgName, e.Timestamp, $"{e.Evr}.{e.Arch}"];
}
