using Reimzul.Processes;
using Reimzul.Tests.Support;

namespace Reimzul.Tests.Deploy;

/// <summary>The sysusers.d and tmpfiles.d snippets, applied for real by systemd's tools to an empty root dir.</summary>
public sealed class UserAndDirsTests : IDisposable
{
    private readonly TempDir _root = new("reimzul-sysroot");

    public void Dispose() => _root.Dispose();

    private static async Task<ProcessResult> RunAsync(string program, params string[] arguments)
    {
        var result = await ProcessRunner.Default.RunAsync(new ProcessSpec(program, arguments) { Timeout = TimeSpan.FromSeconds(60) });
        Assert.True(result.Succeeded, $"{program} {string.Join(' ', arguments)} failed ({result.ExitCode}): {result.StandardError}");
        return result;
    }

    private string[] PasswdEntry(string file, string name) =>
        File.ReadAllLines(_root.Combine("etc", file)).Select(l => l.Split(':')).Single(f => f[0] == name);

    [Fact]
    public async Task TheSnippetsCreateTheReimzulUserInTheMockGroupAndTheOriginalTreeOwnedByIt()
    {
        Directory.CreateDirectory(_root.Combine("etc"));

        await RunAsync("systemd-sysusers", "--root=" + _root.Path, Path.Combine(UnitFile.Dir, "reimzul.sysusers.conf"));
        // chown to the new user needs root, as on any real install.
        await RunAsync("systemd-tmpfiles", "--create", "--root=" + _root.Path, Path.Combine(UnitFile.Dir, "reimzul.tmpfiles.conf"));

        var user = PasswdEntry("passwd", "reimzul");
        Assert.Equal("/srv/reimzul", user[5]);
        Assert.Contains("reimzul", PasswdEntry("group", "mock")[3].Split(','));
        var uid = user[2];
        var gid = PasswdEntry("group", "reimzul")[2];

        string[] owned =
        [
            "srv/reimzul", "srv/reimzul/incoming", "srv/reimzul/results", "srv/reimzul/mock_configs",
            "srv/reimzul/bstore", "srv/reimzul/bstore/repo", "srv/reimzul/bstore/tosign", "srv/reimzul/bstore/cache",
            "srv/reimzul/bstore/.staging", "var/log/reimzul",
        ];
        foreach (var dir in owned)
        {
            Assert.Equal($"{uid} {gid} 755", await StatAsync(dir));
        }
        Assert.Equal($"0 {gid} 750", await StatAsync("etc/reimzul"));
    }

    private async Task<string> StatAsync(string relative)
    {
        var path = _root.Combine(relative);
        Assert.True(Directory.Exists(path), $"{relative} was not created");
        var result = await RunAsync("stat", "-c", "%u %g %a", path);
        return result.StandardOutput.Trim();
    }
}
