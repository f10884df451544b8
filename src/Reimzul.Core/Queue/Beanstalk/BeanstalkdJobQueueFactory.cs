using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Reimzul.Queue.Beanstalk;

/// <summary>
/// The <c>beanstalkd</c> queue backend, for many machines: each session is its own connection to the
/// server (in TLS when configured, e.g. to stunnel in front of beanstalkd).
/// </summary>
public sealed class BeanstalkdJobQueueFactory : IJobQueueFactory
{
    private readonly ILogger _logger;

    // Not cached on failure: a CA file put in place later is picked up by the next open.
    private readonly Lazy<BeanstalkTls?> _tls;

    /// <exception cref="ArgumentException">The options are inconsistent (e.g. TLS files without TLS).</exception>
    public BeanstalkdJobQueueFactory(BeanstalkdOptions options, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Check();
        Options = options;
        _logger = logger ?? NullLogger.Instance;
        _tls = new(() => options.Tls ? BeanstalkTls.Load(options) : null, LazyThreadSafetyMode.PublicationOnly);
    }

    public BeanstalkdOptions Options { get; }

    // Each opens a new connection. BeanstalkConnectionException: the server cannot be reached, or refused the TLS
    // handshake; BeanstalkException (TlsSetup): a TLS file cannot be used. The messages say why.
    public async Task<IJobProducer> OpenProducerAsync(CancellationToken cancellationToken = default) => await OpenSessionAsync(cancellationToken);

    public async Task<IJobConsumer> OpenConsumerAsync(CancellationToken cancellationToken = default) => await OpenSessionAsync(cancellationToken);

    public async Task<IQueueAdmin> OpenAdminAsync(CancellationToken cancellationToken = default) => await OpenSessionAsync(cancellationToken);

    /// <summary>A session (one connection) that can do everything; each side above hands out one of these.</summary>
    internal async Task<BeanstalkdJobQueue> OpenSessionAsync(CancellationToken cancellationToken = default)
    {
        var tls = _tls.Value;
        var client = await BeanstalkClient.ConnectAsync(Options, tls, cancellationToken);
        return new BeanstalkdJobQueue(Options, tls, client, _logger);
    }
}
