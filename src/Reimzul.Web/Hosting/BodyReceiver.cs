using System.Buffers;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Reimzul.Web.Hosting;

/// <summary>What arrived: its length and SHA-256, or that it was longer than allowed.</summary>
internal readonly record struct ReceivedBody(long Length, string Sha256, bool TooLong);

/// <summary>Streams a request body into a new file, hashing on the way; never holds more than one buffer in memory.</summary>
internal static class BodyReceiver
{
    private const int ChunkSize = 1 << 20;

    /// <summary>
    /// Writes the body to <paramref name="path"/> (created, never overwritten) and flushes it to disk. Stops reading
    /// once more than <paramref name="limit"/> bytes came; the file is then incomplete and <see cref="ReceivedBody.TooLong"/> set.
    /// </summary>
    public static async Task<ReceivedBody> ReceiveAsync(HttpRequest request, string path, long limit, CancellationToken cancellationToken)
    {
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeLimit)
        {
            // Our own count enforces the limit, so the client gets our message rather than Kestrel's.
            sizeLimit.MaxRequestBodySize = null;
        }
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var chunk = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous);
            await using (file)
            {
                var reader = request.BodyReader;
                long total = 0;
                var filled = 0;
                while (true)
                {
                    var read = await reader.ReadAsync(cancellationToken);
                    foreach (var segment in read.Buffer)
                    {
                        var rest = segment;
                        while (!rest.IsEmpty)
                        {
                            var take = Math.Min(rest.Length, ChunkSize - filled);
                            rest.Span[..take].CopyTo(chunk.AsSpan(filled));
                            filled += take;
                            rest = rest[take..];
                            if (filled == ChunkSize)
                            {
                                await WriteAsync(file, hash, chunk, filled, cancellationToken);
                                filled = 0;
                            }
                        }
                    }
                    total += read.Buffer.Length;
                    reader.AdvanceTo(read.Buffer.End);
                    if (total > limit)
                    {
                        return new ReceivedBody(total, "", TooLong: true);
                    }
                    if (read.IsCompleted)
                    {
                        break;
                    }
                }
                await WriteAsync(file, hash, chunk, filled, cancellationToken);
                file.Flush(flushToDisk: true);
                return new ReceivedBody(total, Convert.ToHexStringLower(hash.GetHashAndReset()), TooLong: false);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    private static async ValueTask WriteAsync(FileStream file, IncrementalHash hash, byte[] chunk, int count, CancellationToken cancellationToken)
    {
        if (count == 0)
        {
            return;
        }
        hash.AppendData(chunk, 0, count);
        await file.WriteAsync(chunk.AsMemory(0, count), cancellationToken);
    }
}
