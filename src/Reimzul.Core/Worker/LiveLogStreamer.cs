using System.Text;
using Microsoft.Extensions.Logging;

namespace Reimzul.Worker;

/// <summary>
/// Sends what a running build has written of its build.log and root.log to <see cref="ILiveLogs"/> every
/// <see cref="Interval"/>, and the rest with the "complete" mark when disposed (the build ended, however it ended).
/// </summary>
/// <remarks>
/// While a build runs, its build.log is the tool's own file when it writes one as it goes (mock), else its stdout
/// (rpmbuild, whose build.log is stdout then stderr, written at the end); root.log is the tool's file once it exists.
/// When the source changes and the new one does not begin with what was sent, a marker line goes first and the new
/// file follows whole, so the copy only ever grows and a reader's offset stays valid. A store that refuses the log (it
/// passed its bound, another attempt writes it) ends the streaming of that log; one that is away is tried again at the
/// next interval. Nothing here fails the build: the stored result keeps the final logs in any case.
/// </remarks>
internal sealed class LiveLogStreamer : IAsyncDisposable
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan FinalPassBound = TimeSpan.FromSeconds(15);
    private const int ChunkBytes = 256 * 1024;

    private readonly ILiveLogs _sink;
    private readonly string _buildId;
    private readonly string _arch;
    private readonly string _resultDir;
    private readonly ILogger _logger;
    private readonly string _attempt = Guid.NewGuid().ToString("N");
    private readonly Feed[] _feeds = [new("build.log", ["build.log", "stdout"]), new("root.log", ["root.log"])];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private DateTimeOffset _lastWarning = DateTimeOffset.MinValue;
    private readonly TimeProvider _time;

    public LiveLogStreamer(ILiveLogs sink, string buildId, string arch, string resultDir, TimeProvider time, ILogger logger)
    {
        (_sink, _buildId, _arch, _resultDir, _time, _logger) = (sink, buildId, arch, resultDir, time, logger);
        _loop = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(Interval, time, _stop.Token);
                    await PumpAllAsync(complete: false, _stop.Token);
                }
                catch (OperationCanceledException) when (_stop.IsCancellationRequested)
                {
                    return;
                }
            }
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        using var bound = new CancellationTokenSource(FinalPassBound, _time);
        try
        {
            await PumpAllAsync(complete: true, bound.Token);
        }
        catch (OperationCanceledException)
        {
            _logger.LogWarning("build {BuildId} {Arch}: the end of its live logs was not sent within {Seconds} s; the stored result has them", _buildId, _arch, FinalPassBound.TotalSeconds);
        }
        _stop.Dispose();
    }

    private async Task PumpAllAsync(bool complete, CancellationToken cancellationToken)
    {
        foreach (var feed in _feeds)
        {
            try
            {
                await PumpAsync(feed, complete, cancellationToken);
            }
            catch (LiveLogRefusedException ex)
            {
                feed.Stopped = true;
                _logger.LogWarning("build {BuildId} {Arch}: live {Log} stopped: {Message}", _buildId, _arch, feed.Name, ex.Message);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // Away for a while (bstore restarting): tried again at the next interval, said once a minute at most.
                if (_time.GetUtcNow() - _lastWarning > TimeSpan.FromMinutes(1))
                {
                    _lastWarning = _time.GetUtcNow();
                    _logger.LogWarning("build {BuildId} {Arch}: cannot send its live {Log} now: {Message}", _buildId, _arch, feed.Name, ex.Message);
                }
            }
        }
    }

    private async Task PumpAsync(Feed feed, bool complete, CancellationToken cancellationToken)
    {
        if (feed.Stopped)
        {
            return;
        }
        var source = feed.Sources.Select(s => Path.Combine(_resultDir, s)).FirstOrDefault(File.Exists);
        if (source is not null && feed.Source is not null && source != feed.Source)
        {
            if (!complete && new FileInfo(source).Length < feed.SourcePosition)
            {
                // The tool is still writing its final file (rpmbuild's build.log at the end): looked at again next time.
                return;
            }
            if (!await SamePrefixAsync(feed.Source, source, feed.SourcePosition, cancellationToken))
            {
                var marker = Encoding.UTF8.GetBytes($"\n--- {feed.Name} as {Path.GetFileName(source)} holds it ---\n");
                await SendAsync(feed, marker, complete: false, cancellationToken);
                feed.SourcePosition = 0;
            }
            feed.Source = source;
        }
        feed.Source ??= source;
        if (source is null)
        {
            if (complete && feed.Sent > 0)
            {
                await SendAsync(feed, ReadOnlyMemory<byte>.Empty, complete: true, cancellationToken);
            }
            return;
        }

        var buffer = new byte[ChunkBytes];
        await using var input = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.Asynchronous);
        while (true)
        {
            input.Position = feed.SourcePosition;
            var read = await input.ReadAsync(buffer, cancellationToken);
            var last = read < buffer.Length;
            if (read == 0 && !complete)
            {
                return;
            }
            var before = feed.Sent;
            await SendAsync(feed, buffer.AsMemory(0, read), complete && last, cancellationToken);
            feed.SourcePosition += feed.Sent - before;
            if (last)
            {
                return;
            }
        }
    }

    private async Task SendAsync(Feed feed, ReadOnlyMemory<byte> bytes, bool complete, CancellationToken cancellationToken)
    {
        var length = await _sink.AppendAsync(new LiveLogChunk(_buildId, _arch, feed.Name, _attempt, feed.Sent, bytes, complete), cancellationToken);
        // The store may hold less than was sent (it lost its copy): the next send starts where it stands.
        feed.Sent = Math.Min(length, feed.Sent + bytes.Length);
    }

    private static async Task<bool> SamePrefixAsync(string a, string b, long length, CancellationToken cancellationToken)
    {
        if (new FileInfo(b).Length < length)
        {
            return false;
        }
        await using var first = new FileStream(a, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        await using var second = new FileStream(b, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var x = new byte[64 * 1024];
        var y = new byte[64 * 1024];
        for (long done = 0; done < length;)
        {
            var want = (int)Math.Min(x.Length, length - done);
            await first.ReadExactlyAsync(x.AsMemory(0, want), cancellationToken);
            await second.ReadExactlyAsync(y.AsMemory(0, want), cancellationToken);
            if (!x.AsSpan(0, want).SequenceEqual(y.AsSpan(0, want)))
            {
                return false;
            }
            done += want;
        }
        return true;
    }

    private sealed class Feed(string name, string[] sources)
    {
        public string Name { get; } = name;
        public string[] Sources { get; } = sources;
        public string? Source { get; set; }
        public long SourcePosition { get; set; }
        public long Sent { get; set; }
        public bool Stopped { get; set; }
    }
}
