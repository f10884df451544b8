namespace Reimzul.Tests.ResultStores;

/// <summary>Flips a byte in the body of the first <paramref name="times"/> file uploads: a link that damages data in transit.</summary>
public sealed class CorruptingHandler(HttpMessageHandler inner, int times) : DelegatingHandler(inner)
{
    private int corrupted;

    public int Corrupted => corrupted;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Method == HttpMethod.Put && request.Content is { } content && corrupted < times)
        {
            var bytes = await content.ReadAsByteArrayAsync(cancellationToken);
            if (bytes.Length > 0)
            {
                bytes[bytes.Length / 2] ^= 0x5A;
                Interlocked.Increment(ref corrupted);
                request.Content = new ByteArrayContent(bytes);
            }
        }
        return await base.SendAsync(request, cancellationToken);
    }
}
