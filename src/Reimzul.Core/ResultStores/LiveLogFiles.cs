using Reimzul.Messages;
using Reimzul.Validation;
using Reimzul.Worker;

namespace Reimzul.ResultStores;

/// <summary>
/// The live copies of running builds' logs on the store's host: <c>bstore/live/BUILD_ID/ARCH/{build.log,root.log}</c>,
/// with <c>NAME.attempt</c> (the attempt writing it) and <c>NAME.complete</c> (the build ended, every byte is in). Shared
/// by the local worker, bstore's append endpoint and the readers of one machine, so all three follow one rule.
/// </summary>
public sealed class LiveLogFiles(string directory)
{
    /// <summary>bstore's live logs: <c>POST PATH/BUILD_ID/ARCH/NAME?offset=N&amp;attempt=A[&amp;complete=true]</c> (a writer) appends, <c>GET ...?offset=N</c> reads.</summary>
    public const string BstorePath = "/bstore/live";

    /// <summary>Headers of a read: the offset to ask for next, and whether the log is complete.</summary>
    public const string OffsetHeader = "X-Log-Offset";
    public const string CompleteHeader = "X-Log-Complete";

    /// <summary>Largest chunk taken at once (and served at once).</summary>
    public const int MaxChunkBytes = 1024 * 1024;

    /// <summary>A live copy stops growing here: a runaway build must not fill the store's disk through its log.</summary>
    public const long MaxLogBytes = 256L * 1024 * 1024;

    /// <summary>The logs that are followed.</summary>
    public static readonly IReadOnlyList<string> Names = ["build.log", "root.log"];

    public string Directory { get; } = directory;

    /// <summary>Under the store's tree, next to <c>repo/</c>: <c>bstore/live/</c>.</summary>
    public static LiveLogFiles NextTo(string repoDir) => new(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(repoDir))!, "live"));

    /// <summary>Why these names cannot name a live log (null when they can): each becomes a path component.</summary>
    public static string? Problem(string buildId, string arch, string file)
    {
        if (!BuildIds.IsWellFormed(buildId))
        {
            return $"build id {Printable.Quote(buildId)} is not 32 lower-case hex digits";
        }
        if (!InputRules.TryValidatePathComponent("arch", arch, out var error))
        {
            return error;
        }
        return Names.Contains(file) ? null : $"log {Printable.Quote(file)} is not one of {string.Join(", ", Names)}";
    }

    /// <inheritdoc cref="ILiveLogs.AppendAsync"/>
    /// <exception cref="ArgumentException">A name is not valid, or the chunk is larger than <see cref="MaxChunkBytes"/>.</exception>
    public async Task<long> AppendAsync(LiveLogChunk chunk, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        if (Problem(chunk.BuildId, chunk.Arch, chunk.File) is { } problem)
        {
            throw new ArgumentException(problem, nameof(chunk));
        }
        if (chunk.Bytes.Length > MaxChunkBytes || chunk.Offset < 0 || string.IsNullOrEmpty(chunk.Attempt) || chunk.Attempt.Length > 64)
        {
            throw new ArgumentException($"a chunk is at most {MaxChunkBytes} bytes at an offset of 0 or more, from an attempt of 1 to 64 characters", nameof(chunk));
        }
        var dir = Path.Combine(Directory, chunk.BuildId, chunk.Arch);
        System.IO.Directory.CreateDirectory(dir);
        var log = Path.Combine(dir, chunk.File);
        var attemptFile = log + ".attempt";
        var completeFile = log + ".complete";

        // One writer at a time per log: a second one (another delivery of the build) waits its turn or fails as busy.
        await using var stream = new FileStream(log, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, 1, FileOptions.Asynchronous);
        var attempt = File.Exists(attemptFile) ? await File.ReadAllTextAsync(attemptFile, cancellationToken) : null;
        if (attempt != chunk.Attempt)
        {
            if (chunk.Offset != 0)
            {
                throw new LiveLogRefusedException(tooLarge: false, $"the live {chunk.File} of build {chunk.BuildId} {chunk.Arch} is written by another attempt now");
            }
            // A new attempt at the build (the job came back after its worker died): its log starts afresh.
            stream.SetLength(0);
            File.Delete(completeFile);
            await File.WriteAllTextAsync(attemptFile, chunk.Attempt, cancellationToken);
        }
        var length = stream.Length;
        if (chunk.Offset > length)
        {
            return length;
        }
        var fresh = chunk.Bytes[(int)Math.Min(length - chunk.Offset, chunk.Bytes.Length)..];
        if (length + fresh.Length > MaxLogBytes)
        {
            throw new LiveLogRefusedException(tooLarge: true, $"the live {chunk.File} of build {chunk.BuildId} {chunk.Arch} would pass {MaxLogBytes >> 20} MiB; the rest is in the stored result");
        }
        stream.Position = length;
        await stream.WriteAsync(fresh, cancellationToken);
        if (chunk.Complete)
        {
            await File.WriteAllTextAsync(completeFile, "", cancellationToken);
        }
        return length + fresh.Length;
    }

    /// <summary>Up to <paramref name="max"/> bytes of a live log from <paramref name="offset"/>; null when there is no such log.</summary>
    /// <exception cref="ArgumentException">A name is not valid or the offset is negative.</exception>
    public async Task<LiveLogSlice?> ReadAsync(string buildId, string arch, string file, long offset, int max, CancellationToken cancellationToken)
    {
        if (Problem(buildId, arch, file) is { } problem)
        {
            throw new ArgumentException(problem);
        }
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        var log = Path.Combine(Directory, buildId, arch, file);
        // Read before the length: a complete marker seen first means the length read after it is final.
        var complete = File.Exists(log + ".complete");
        FileStream stream;
        try
        {
            stream = new FileStream(log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.Asynchronous);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        await using (stream)
        {
            var length = stream.Length;
            var start = Math.Min(offset, length);
            var buffer = new byte[(int)Math.Min(Math.Max(0, Math.Min(max, MaxChunkBytes)), length - start)];
            stream.Position = start;
            var read = 0;
            while (read < buffer.Length)
            {
                var n = await stream.ReadAsync(buffer.AsMemory(read), cancellationToken);
                if (n == 0)
                {
                    break;
                }
                read += n;
            }
            return new LiveLogSlice(buffer.AsMemory(0, read), start + read, length, complete && start + read >= length);
        }
    }

    /// <summary>Whether build <paramref name="buildId"/> has any live log here.</summary>
    public bool Has(string buildId) => BuildIds.IsWellFormed(buildId) && System.IO.Directory.Exists(Path.Combine(Directory, buildId));
}

/// <param name="Next">The offset to ask for next.</param>
/// <param name="Length">The live copy's length when it was read.</param>
/// <param name="Complete">The build ended and this slice reaches the end of its log.</param>
public sealed record LiveLogSlice(ReadOnlyMemory<byte> Bytes, long Next, long Length, bool Complete);
