using Reimzul.Tests.Support;

namespace Reimzul.Tests.Submit;

/// <summary>Real SRPMs, built once for the submit tests (rpmbuild is the slow part).</summary>
public sealed class SubmitSrpms : IAsyncLifetime, IDisposable
{
    private readonly TempDir dir = new("reimzul-submit-srpms");

    /// <summary><c>subhello-1.0-1.src.rpm</c>.</summary>
    public string Srpm { get; private set; } = "";

    /// <summary>Another SRPM with the same file name and other bytes.</summary>
    public string SameNameOtherContent { get; private set; } = "";

    public string Name => Path.GetFileName(Srpm);

    public async Task InitializeAsync()
    {
        var builds = await Task.WhenAll(
            SrpmFactory.BuildAsync(SrpmFactory.NoarchSpec("subhello"), dir.Combine("first")),
            SrpmFactory.BuildAsync(SrpmFactory.NoarchSpec("subhello").Replace("Test package.", "Another test package.", StringComparison.Ordinal), dir.Combine("second")));
        (Srpm, SameNameOtherContent) = (builds[0], builds[1]);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => dir.Dispose();
}

[CollectionDefinition(Name)]
public sealed class SubmitCollection : ICollectionFixture<SubmitSrpms>
{
    public const string Name = "Submit";
}
