using Reimzul.Tests.Support;

namespace Reimzul.Tests.Web;

/// <summary>The test PKI and real SRPMs, made once for the web and remote tests (rpmbuild is the slow part).</summary>
public sealed class WebFixture : IAsyncLifetime, IDisposable
{
    private readonly TempDir dir = new("reimzul-web-srpms");

    public TlsCertificates Certificates { get; } = new();

    /// <summary><c>webhello-1.0-1.src.rpm</c>.</summary>
    public string Srpm { get; private set; } = "";

    /// <summary>Another SRPM with the same file name (built again: other build time, other bytes).</summary>
    public string SameNameOtherContent { get; private set; } = "";

    public async Task InitializeAsync()
    {
        var builds = await Task.WhenAll(
            SrpmFactory.BuildAsync(SrpmFactory.NoarchSpec("webhello"), dir.Combine("first")),
            SrpmFactory.BuildAsync(SrpmFactory.NoarchSpec("webhello").Replace("Test package.", "Another test package.", StringComparison.Ordinal), dir.Combine("second")));
        (Srpm, SameNameOtherContent) = (builds[0], builds[1]);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose()
    {
        Certificates.Dispose();
        dir.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class WebCollection : ICollectionFixture<WebFixture>
{
    public const string Name = "Web";
}
