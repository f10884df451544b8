using System.Runtime.Versioning;
using Reimzul.Cli;
using Reimzul.Tests.Support;

namespace Reimzul.Tests.Deploy;

/// <summary>
/// Type=notify is only right if the program says READY=1: otherwise systemd kills it when the start times out
/// and restarts it forever. Checked for every role that has a unit and a subcommand.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class ReadinessTests : IDisposable
{
    private readonly TempDir _dir = new("reimzul-notify");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task EveryRoleWithAUnitTellsSystemdWhenItIsReadyAndWhenItStops()
    {
        var subcommands = ReimzulCommandLine.Build().Subcommands.Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        var roles = UnitFile.All().Select(u => u.Role).Where(subcommands.Contains).ToList();
        Assert.Contains("worker", roles);
        var config = _dir.Combine("reimzul.ini");
        // mqtt-sub refuses to start without [acl]; no broker is needed to be ready (it connects in the background).
        // The controller serves the web role too, and `web` serves it alone: each on a free port, not both on 11082.
        File.WriteAllText(config, "[builder]\nbackend = rpmbuild\n[acl]\nalice = * *\n[web]\nport = 0\n");

        await Task.WhenAll(roles.Select(async role =>
        {
            var dir = _dir.Combine(role);
            Directory.CreateDirectory(dir);
            await using var running = NotifiedRole.Start(dir, role, "--config", config, "--data-dir", _dir.Combine("data"));

            await running.WaitForNotificationAsync("READY=1", TimeSpan.FromSeconds(60));
            var exitCode = await running.StopAsync();

            Assert.True(exitCode == 0, $"{role} exited with {exitCode} after SIGTERM:\n{running.Output}");
            Assert.Contains("STOPPING=1", running.Notifications);
        }));
    }
}
