using Reimzul.Processes;
using Reimzul.Tests.Support;

namespace Reimzul.Tests.Rpm;

/// <summary>Real source and binary RPMs, built once for all RPM reader tests.</summary>
public sealed class RpmPackagesFixture : IAsyncLifetime, IDisposable
{
    private readonly TempDir dir = new("reimzul-rpm");

    public string NoarchSrpm { get; private set; } = "";
    public string CProgramSrpm { get; private set; } = "";
    public string EpochSrpm { get; private set; } = "";
    public IReadOnlyList<string> Srpms => [NoarchSrpm, CProgramSrpm, EpochSrpm];

    /// <summary>Binary RPMs rebuilt from the SRPMs: noarch, the C program and its -libs (host arch), the epoch package.</summary>
    public IReadOnlyList<string> BinaryRpms { get; private set; } = [];

    public string CProgramBinary => BinaryRpms.Single(p => Path.GetFileName(p).StartsWith("rzcprog-2.0", StringComparison.Ordinal));

    public async Task InitializeAsync()
    {
        var srpms = dir.Combine("srpms");
        NoarchSrpm = await SrpmFactory.BuildAsync(SrpmFactory.NoarchSpec("rznoarch"), srpms);
        CProgramSrpm = await SrpmFactory.BuildAsync(SrpmFactory.CProgramSpec("rzcprog"), srpms);
        EpochSrpm = await SrpmFactory.BuildAsync(EpochSpec, srpms);

        var topdir = dir.Combine("rebuild");
        foreach (var srpm in Srpms)
        {
            var result = await ProcessRunner.Default.RunAsync(new ProcessSpec(
                "rpmbuild", ["--rebuild", "--define", "_topdir " + topdir, "--define", "dist .el7", srpm]));
            Assert.True(result.Succeeded, $"rpmbuild --rebuild {srpm} failed: {result.StandardError}");
        }
        BinaryRpms = Directory.GetFiles(Path.Combine(topdir, "RPMS"), "*.rpm", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(4, BinaryRpms.Count);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => dir.Dispose();

    /// <summary>Writes <paramref name="bytes"/> to a fresh file in the fixture's dir.</summary>
    public string WriteFile(string name, ReadOnlySpan<byte> bytes)
    {
        var path = dir.Combine("edited", $"{Guid.NewGuid():N}-{name}");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes.ToArray());
        return path;
    }

    private const string EpochSpec = """
        Name: rzepoch
        Epoch: 3
        Version: 4.5.6
        Release: 7%{?dist}
        Summary: A package with an epoch
        License: MIT
        BuildArch: noarch

        %description
        Epoch.

        %install
        mkdir -p %{buildroot}/usr/share/rzepoch
        echo epoch > %{buildroot}/usr/share/rzepoch/e.txt

        %files
        /usr/share/rzepoch/e.txt
        """;
}

[CollectionDefinition(Name)]
public sealed class RpmPackagesCollection : ICollectionFixture<RpmPackagesFixture>
{
    public const string Name = "rpm packages";
}
