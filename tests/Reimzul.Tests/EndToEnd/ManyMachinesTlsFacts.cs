using Reimzul.Tests.Support;

namespace Reimzul.Tests.EndToEnd;

/// <summary>
/// The three hosts of <c>docs/examples/three-hosts/tls/</c>: TLS on every hop (stunnel wanting client certificates
/// in front of beanstalkd, controller and bstore on HTTPS), each service with its writers. Needs root.
/// </summary>
public sealed class ManyMachinesTlsFacts : IAsyncLifetime
{
    private ThreeHosts _hosts = null!;

    public async Task InitializeAsync() => _hosts = await ThreeHosts.StartAsync("tls");

    public async Task DisposeAsync() => await _hosts.DisposeAsync();

    [Fact]
    public async Task APackagersBuildIsBuiltAndServedOverTlsAndABuildersCertificateCannotSubmit()
    {
        var sources = Path.Combine(_hosts.HostDir("client"), "sources");
        var srpm = await SrpmFactory.BuildAsync(SrpmFactory.NoarchSpec("tls-noarch"), sources);

        var submitted = await _hosts.SubmitAsync(srpm, "noarch");
        Assert.True(submitted.Succeeded, submitted.StandardError);
        Assert.Contains("by alice", submitted.StandardOutput, StringComparison.Ordinal);
        var built = await _hosts.WaitForSuccessAsync("tls-noarch-1.0-1.src.rpm", "noarch");
        await _hosts.RepoOverHttpAsync("c7.noarch", "tls-noarch-1.0-1.el7.noarch");

        // The builder's name is its certificate's CN, the one bstore authenticated.
        Assert.Contains(built.Builder, new[] { "b1", "b2" });
        Assert.Contains($"{built.Builder}: stored result c7.noarch/tls-noarch/", _hosts.Bstore.Output, StringComparison.Ordinal);

        // A builder's certificate is of the same CA, but the controller's writers are the packagers.
        var asBuilder = Path.Combine(_hosts.HostDir("client"), "etc", "as-builder.ini");
        File.WriteAllText(asBuilder, File.ReadAllText(_hosts.ClientConfig).Replace("/pki/alice.", "/pki/b1.", StringComparison.Ordinal));
        var refused = await _hosts.SubmitAsync(srpm, "noarch", asBuilder);
        Assert.False(refused.Succeeded);
        Assert.Contains("'b1' may not write to this service: [controller] writers does not list it", refused.StandardError, StringComparison.Ordinal);
        Assert.Contains("refused PUT /reimzul-incoming/tls-noarch-1.0-1.src.rpm from ", _hosts.Controller.Output, StringComparison.Ordinal);
    }
}
