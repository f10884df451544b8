namespace Reimzul.Queue.Beanstalk;

/// <summary>Where a beanstalkd server is and how to talk to it.</summary>
public sealed record BeanstalkdOptions
{
    public const int DefaultPort = 11300;

    public string Host { get; init; } = "127.0.0.1";

    public int Port { get; init; } = DefaultPort;

    /// <summary>Speak TLS to the server (beanstalkd behind stunnel, as the original deployment ran it).</summary>
    public bool Tls { get; init; }

    /// <summary>PEM file of the CA(s) the server's certificate must chain to; null: the system's trusted CAs.</summary>
    public string? CaFile { get; init; }

    /// <summary>PEM client certificate, for a server that asks for one (stunnel <c>verify = 2</c>).</summary>
    public string? ClientCertificateFile { get; init; }

    /// <summary>PEM private key of <see cref="ClientCertificateFile"/>; null: the key is in the certificate file.</summary>
    public string? ClientKeyFile { get; init; }

    /// <summary>The name the server's certificate must carry; null: <see cref="Host"/>.</summary>
    public string? ServerName { get; init; }

    /// <summary>How long connecting (TCP, TLS handshake and the first exchange) may take.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>A reply that takes longer than this means the connection is dead (beanstalkd answers in microseconds).</summary>
    public TimeSpan ReplyTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>First wait before reconnecting after a failed attempt; doubles up to <see cref="MaxReconnectDelay"/>.</summary>
    public TimeSpan ReconnectDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan MaxReconnectDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary><c>host:port</c>, for messages.</summary>
    public string Endpoint => Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]:{Port}" : $"{Host}:{Port}";

    internal void Check()
    {
        if (string.IsNullOrWhiteSpace(Host))
        {
            throw new ArgumentException("beanstalkd host is empty", nameof(Host));
        }
        if (Port is < 1 or > 65535)
        {
            throw new ArgumentOutOfRangeException(nameof(Port), Port, "beanstalkd port must be between 1 and 65535");
        }
        if (!Tls && (CaFile ?? ClientCertificateFile ?? ClientKeyFile ?? ServerName) is not null)
        {
            throw new ArgumentException("TLS files or a server name are set but TLS is off", nameof(Tls));
        }
        if (ClientKeyFile is not null && ClientCertificateFile is null)
        {
            throw new ArgumentException("a client key is set without a client certificate", nameof(ClientKeyFile));
        }
        foreach (var (value, name) in new[] { (ConnectTimeout, nameof(ConnectTimeout)), (ReplyTimeout, nameof(ReplyTimeout)), (ReconnectDelay, nameof(ReconnectDelay)) })
        {
            if (value <= TimeSpan.Zero)
            {
                throw new ArgumentOutOfRangeException(name, value, $"{name} must be positive");
            }
        }
    }
}
