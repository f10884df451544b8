using Reimzul.Processes;

namespace Reimzul.Tests.Support;

/// <summary>A binary RPM built for the store tests.</summary>
public sealed record BuiltRpm(string Path, string Name, string Evr, string Arch)
{
    public string FileName => System.IO.Path.GetFileName(Path);

    /// <summary>As dnf repoquery prints it with <c>%{name}-%{version}-%{release}.%{arch}</c>.</summary>
    public string Nevra => $"{Name}-{Evr}.{Arch}";
}

/// <summary>Real noarch RPMs, built once for all store tests (rpmbuild is the slow part) and copied around by them.</summary>
public sealed class StoreRpms : IAsyncLifetime, IDisposable
{
    private readonly TempDir dir = new("reimzul-store-rpms");

    public IReadOnlyList<BuiltRpm> Packages { get; private set; } = [];

    public async Task InitializeAsync()
    {
        var names = Enumerable.Range(0, 8).Select(i => $"store{(char)('a' + i)}").ToList();
        Packages = await Task.WhenAll(names.Select(BuildAsync));
    }

    private async Task<BuiltRpm> BuildAsync(string name)
    {
        var srpm = await SrpmFactory.BuildAsync(SrpmFactory.NoarchSpec(name), dir.Combine("srpms"));
        var topdir = dir.Combine("top-" + name);
        var result = await ProcessRunner.Default.RunAsync(new ProcessSpec("rpmbuild",
            ["--rebuild", "--define", "_topdir " + topdir, "--define", "dist .el7", srpm]));
        Assert.True(result.Succeeded, $"rpmbuild --rebuild {srpm} failed: {result.StandardError}");
        var rpm = Directory.GetFiles(System.IO.Path.Combine(topdir, "RPMS"), "*.rpm", SearchOption.AllDirectories).Single();
        return new BuiltRpm(rpm, name, "1.0-1.el7", "noarch");
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => dir.Dispose();
}

[CollectionDefinition(Name)]
public sealed class StoreCollection : ICollectionFixture<StoreRpms>
{
    public const string Name = "Store";
}
