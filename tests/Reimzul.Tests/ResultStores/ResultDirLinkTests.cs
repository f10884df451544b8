using Microsoft.Extensions.Logging.Abstractions;
using Reimzul.Protocol;
using Reimzul.ResultStores;
using Reimzul.Tests.Support;
using Reimzul.Worker;

namespace Reimzul.Tests.ResultStores;

/// <summary>A result dir is regular files only: a link in it is refused before anything is read through it.</summary>
public sealed class ResultDirLinkTests : IDisposable
{
    private const string Target = "c7.1708.u.x86_64";
    private readonly StoreLayout layout = new();

    public void Dispose() => layout.Dispose();

    private string ResultWithLink(string linkName, string linkTarget)
    {
        var dir = Path.Combine(layout.Paths.Results, "result-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "build.log"), "build ok");
        File.CreateSymbolicLink(Path.Combine(dir, linkName), linkTarget);
        return dir;
    }

    [Fact]
    public async Task TheManifestOfAResultDirHoldingASymlinkIsRefusedNamingIt()
    {
        var dir = ResultWithLink("x.rpm", "/etc/hostname");

        var refused = await Assert.ThrowsAsync<InvalidDataException>(() =>
            ResultManifests.FromDirectoryAsync(dir, Target, "pkg", "20240101120000", "1.0-1", "noarch", CancellationToken.None));

        Assert.Contains("x.rpm", refused.Message, StringComparison.Ordinal);
        Assert.Contains("symbolic link", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheManifestOfAResultDirHoldingALinkToADirectoryIsRefusedNamingIt()
    {
        var dir = ResultWithLink("etc", "/etc");

        var refused = await Assert.ThrowsAsync<InvalidDataException>(() =>
            ResultManifests.FromDirectoryAsync(dir, Target, "pkg", "20240101120000", "1.0-1", "noarch", CancellationToken.None));

        Assert.Contains("etc", refused.Message, StringComparison.Ordinal);
        Assert.Contains("symbolic link", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheLocalStoreRefusesAResultDirHoldingASymlinkAndLeavesItWhereItWas()
    {
        var dir = ResultWithLink("x.rpm", "/etc/hostname");
        var store = new LocalResultStore(layout.Paths, NullLogger.Instance);

        var refused = await Assert.ThrowsAsync<InvalidDataException>(() =>
            store.StoreAsync(new StoredResult(dir, Target, "pkg", "20240101120000", "1.0-1", "noarch"), CancellationToken.None));

        Assert.Contains("x.rpm", refused.Message, StringComparison.Ordinal);
        Assert.Contains("symbolic link", refused.Message, StringComparison.Ordinal);
        Assert.True(Directory.Exists(dir));
        Assert.False(Directory.Exists(Path.Combine(layout.Paths.Repo, Target, "pkg")));
    }

    [Fact]
    public async Task TheLocalStoreRefusesALinkInASubdirectoryOfTheResult()
    {
        var dir = ResultWithLink("build2.log", "/etc/hostname");
        var sub = Path.Combine(dir, "sub");
        Directory.CreateDirectory(sub);
        File.Move(Path.Combine(dir, "build2.log"), Path.Combine(sub, "build2.log"));
        var store = new LocalResultStore(layout.Paths, NullLogger.Instance);

        var refused = await Assert.ThrowsAsync<InvalidDataException>(() =>
            store.StoreAsync(new StoredResult(dir, Target, "pkg", "20240101120000", "1.0-1", "noarch"), CancellationToken.None));

        Assert.Contains("build2.log", refused.Message, StringComparison.Ordinal);
    }
}
