namespace Reimzul.Protocol;

/// <summary>What the controller's and bstore's clients share: the HTTP client on the service's URL, and who disposes it.</summary>
public abstract class ServiceClient : IDisposable
{
    private readonly bool _ownsClient;

    /// <param name="http">Its base address is the service's URL.</param>
    /// <param name="ownsClient">Dispose <paramref name="http"/> with this client (else its creator keeps owning it).</param>
    protected ServiceClient(HttpClient http, bool ownsClient)
    {
        ArgumentNullException.ThrowIfNull(http);
        Http = http;
        _ownsClient = ownsClient;
    }

    public Uri? BaseAddress => Http.BaseAddress;

    protected HttpClient Http { get; }

    /// <summary>The caller's token, cancelled as well once <paramref name="after"/> has passed: one request's bound.</summary>
    protected static CancellationTokenSource Timeout(TimeSpan after, CancellationToken cancellationToken)
    {
        var source = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        source.CancelAfter(after);
        return source;
    }

    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (disposing && _ownsClient)
        {
            Http.Dispose();
        }
    }
}
