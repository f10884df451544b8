namespace Reimzul.Worker;

/// <summary>
/// Where the logs of a running build go while it runs, so they can be followed before its result is stored: the live
/// log dir on this machine, or bstore over HTTP(S). The stored result keeps the final logs; this is the running copy.
/// </summary>
public interface ILiveLogs
{
    /// <summary>
    /// Appends <see cref="LiveLogChunk.Bytes"/> at <see cref="LiveLogChunk.Offset"/> of the live copy; returns the length
    /// the copy has now. Bytes the copy holds already (a retried chunk) are not written twice; an offset past the end
    /// answers the length without writing, so the caller resends from there.
    /// </summary>
    /// <exception cref="LiveLogRefusedException">The copy belongs to another attempt at the build, or would grow past its bound.</exception>
    Task<long> AppendAsync(LiveLogChunk chunk, CancellationToken cancellationToken);
}

/// <param name="File"><c>build.log</c> or <c>root.log</c>.</param>
/// <param name="Attempt">One attempt at building the arch (a fresh id each time a worker starts it): a new attempt at
/// offset 0 starts the copy again, a chunk of an older attempt is refused.</param>
/// <param name="Complete">The build of the arch ended and this is the log's last chunk.</param>
public sealed record LiveLogChunk(string BuildId, string Arch, string File, string Attempt, long Offset, ReadOnlyMemory<byte> Bytes, bool Complete);

/// <summary>The store refuses this live log for good: another attempt writes it, or it would grow past its bound.</summary>
public sealed class LiveLogRefusedException(bool tooLarge, string message) : Exception(message)
{
    public bool TooLarge { get; } = tooLarge;
}
