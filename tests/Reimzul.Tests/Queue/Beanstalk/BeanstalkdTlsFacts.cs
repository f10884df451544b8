using Reimzul.Queue;
using Reimzul.Queue.Beanstalk;
using Reimzul.Tests.Support;

namespace Reimzul.Tests.Queue.Beanstalk;

/// <summary>TLS to beanstalkd behind a real stunnel, with certificates made for the test.</summary>
public sealed class BeanstalkdTlsFacts(StunnelBeanstalkd stunnel) : IClassFixture<StunnelBeanstalkd>
{
    private static readonly TimeSpan LongTtr = TimeSpan.FromHours(1);
    private readonly string _tube = $"tls{Guid.NewGuid():N}";

    [Fact]
    public async Task AClientTrustingTheServersCaGetsTheWholeQueueOverTls()
    {
        await using var queue = await new BeanstalkdJobQueueFactory(stunnel.Options(stunnel.OpenPort)).OpenSessionAsync();
        await using var other = await new BeanstalkdJobQueueFactory(stunnel.Options(stunnel.OpenPort)).OpenSessionAsync();

        var id = await queue.PutAsync(_tube, "{\"srpm\": \"héllo-1.0-1.src.rpm\"}", 1024, TimeSpan.Zero, LongTtr);
        var pending = other.ReserveAsync([_tube], TimeSpan.FromSeconds(10));
        JobAssert.Is(id, _tube, 1024, "{\"srpm\": \"héllo-1.0-1.src.rpm\"}", await pending.WaitAsync(TimeSpan.FromSeconds(15)));
        Assert.True(await other.TouchAsync(id));
        Assert.True(await other.BuryAsync(id, 1024));
        Assert.Equal(1, await queue.KickAsync(_tube, 10));
        Assert.Equal(new TubeStats(_tube, Ready: 1, Reserved: 0, Buried: 0, Delayed: 0, Watching: 1, TotalJobs: 1), await queue.StatsTubeAsync(_tube));
        Assert.Contains(_tube, await queue.ListTubesAsync());
        Assert.True(await queue.DeleteAsync(id));
        Assert.Equal((0, 0), (((BeanstalkdJobQueue)queue).Reconnects, ((BeanstalkdJobQueue)other).Reconnects));
    }

    [Fact]
    public async Task AServerCertificateFromAnotherCaIsRefusedSayingWhy()
    {
        var error = await Assert.ThrowsAsync<BeanstalkConnectionException>(() => new BeanstalkdJobQueueFactory(stunnel.Options(stunnel.OtherCaPort)).OpenSessionAsync());

        Assert.Equal(BeanstalkError.ConnectFailed, error.Error);
        Assert.Contains($"TLS handshake with beanstalkd at 127.0.0.1:{stunnel.OtherCaPort} failed", error.Message, StringComparison.Ordinal);
        Assert.Contains($"issued by 'CN=Some Other CA') does not chain to the CA in '{stunnel.Certificates.CaCertPath}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AServerWhoseCertificateIsNotForTheConfiguredNameIsRefused()
    {
        var options = stunnel.Options(stunnel.OpenPort) with { ServerName = "queue.example.org" };

        var error = await Assert.ThrowsAsync<BeanstalkConnectionException>(() => new BeanstalkdJobQueueFactory(options).OpenSessionAsync());

        Assert.Contains("'CN=localhost, O=Reimzul tests' is not a certificate for 'queue.example.org'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AServerThatRequiresAClientCertificateRefusesAClientWithoutOne()
    {
        var error = await Assert.ThrowsAsync<BeanstalkConnectionException>(() => new BeanstalkdJobQueueFactory(stunnel.Options(stunnel.ClientCertificatePort)).OpenSessionAsync());

        Assert.Equal(BeanstalkError.ConnectFailed, error.Error);
        Assert.Contains("client certificate", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AServerThatRequiresAClientCertificateAcceptsOneFromItsCa()
    {
        var options = stunnel.Options(stunnel.ClientCertificatePort) with
        {
            ClientCertificateFile = stunnel.ClientCertificate.CertPath,
            ClientKeyFile = stunnel.ClientCertificate.KeyPath,
        };
        await using var queue = await new BeanstalkdJobQueueFactory(options).OpenSessionAsync();

        var id = await queue.PutAsync(_tube, "with a certificate", 10, TimeSpan.Zero, LongTtr);

        Assert.Equal(id, (await queue.ReserveAsync([_tube], TimeSpan.Zero))?.Id);
        Assert.True(await queue.DeleteAsync(id));
    }

    [Fact]
    public async Task ACaFileThatCannotBeReadIsRefusedNamingIt()
    {
        var options = stunnel.Options(stunnel.OpenPort) with { CaFile = "/nonexistent/ca.pem" };

        var error = await Assert.ThrowsAsync<BeanstalkException>(() => new BeanstalkdJobQueueFactory(options).OpenSessionAsync());

        Assert.Equal(BeanstalkError.TlsSetup, error.Error);
        Assert.Contains("'/nonexistent/ca.pem'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task APlainClientAtATlsPortIsToldItGotNoAnswer()
    {
        var options = stunnel.Options(stunnel.OpenPort) with { Tls = false, CaFile = null };

        var error = await Assert.ThrowsAsync<BeanstalkConnectionException>(() => new BeanstalkdJobQueueFactory(options).OpenSessionAsync());

        Assert.Contains("did not answer its first command (is it beanstalkd?)", error.Message, StringComparison.Ordinal);
    }
}
