using Reimzul.Cli;
using Reimzul.Config;
using Reimzul.Queue.Beanstalk;
using Reimzul.Tests.Config;

namespace Reimzul.Tests.Cli;

/// <summary>The <c>[queue]</c> section as the beanstalkd backend reads it.</summary>
public sealed class QueueBackendsFacts : IDisposable
{
    private readonly ConfigFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public void TlsFilesAreTakenNextToTheConfigFile()
    {
        var path = _files.Write("etc/reimzul.ini", """
            [queue]
            backend = beanstalkd
            host = queue.example.org
            port = 11301
            tls = yes
            ca_cert = pki/ca.pem
            tls_cert = /etc/pki/reimzul/builder.pem
            tls_key = pki/builder.key
            tls_server_name = beanstalk.example.org
            """);

        var options = QueueBackends.BeanstalkdOptions(_files.Load(path).Queue);

        Assert.Equal(new BeanstalkdOptions
        {
            Host = "queue.example.org",
            Port = 11301,
            Tls = true,
            CaFile = Path.Combine(_files.Dir, "etc", "pki", "ca.pem"),
            ClientCertificateFile = "/etc/pki/reimzul/builder.pem",
            ClientKeyFile = Path.Combine(_files.Dir, "etc", "pki", "builder.key"),
            ServerName = "beanstalk.example.org",
        }, options);
        Assert.Equal("queue.example.org:11301", options.Endpoint);
    }

    [Fact]
    public void WithoutAQueueSectionTheServerIsTheLocalDefaultInClear()
    {
        var options = QueueBackends.BeanstalkdOptions(_files.Load().Queue);

        Assert.Equal(new BeanstalkdOptions { Host = "127.0.0.1", Port = 11300 }, options);
    }

    [Theory]
    [InlineData("ca_cert = ca.pem", "ca_cert: is set but tls is off")]
    [InlineData("tls_server_name = q.example.org", "tls_server_name: is set but tls is off")]
    [InlineData("tls = yes\ntls_key = builder.key", "tls_key: is set without tls_cert")]
    [InlineData("tls = maybe", "tls: 'maybe' is not a boolean")]
    public void InconsistentTlsSettingsStopTheProgramSayingWhich(string lines, string reason)
    {
        var error = _files.Error($"[queue]\n{lines}\n", out var path);

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains($"[queue] {reason}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EmptyTlsValuesMeanNone()
    {
        var path = _files.Write("empty.ini", "[queue]\ntls = yes\nca_cert = \ntls_cert =\ntls_key =\ntls_server_name =\n");

        var queue = _files.Load(path).Queue;

        Assert.Equal(new QueueOptions { Tls = true }, queue);
    }

    [Fact]
    public void AFactoryRefusesTlsFilesWithoutTls()
    {
        var error = Assert.Throws<ArgumentException>(() => new BeanstalkdJobQueueFactory(new BeanstalkdOptions { CaFile = "/etc/ca.pem" }));

        Assert.Contains("TLS is off", error.Message, StringComparison.Ordinal);
    }
}
