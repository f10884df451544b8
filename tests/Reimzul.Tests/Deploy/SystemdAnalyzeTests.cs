using System.Runtime.Versioning;

namespace Reimzul.Tests.Deploy;

[SupportedOSPlatform("linux")]
public sealed class SystemdAnalyzeTests : IDisposable
{
    // systemd-analyze security: below 3 counts as "OK"; these units score about 2.
    private const decimal HardenedExposure = 2.5m;

    private readonly SystemdAnalyze _analyze = new();

    public void Dispose() => _analyze.Dispose();

    public static TheoryData<string> Units() => [.. UnitFile.All().Select(u => u.Name)];

    private static UnitFile Unit(string name) => UnitFile.All().Single(u => u.Name == name);

    [Theory]
    [MemberData(nameof(Units))]
    public async Task EveryUnitPassesSystemdAnalyzeVerify(string name)
    {
        var problems = await _analyze.VerifyAsync(_analyze.Copy(Unit(name)));

        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    public static TheoryData<string, string, string> Mistakes => new()
    {
        { "reimzul-notifier.service", "Type=notify", "Typpe=notify" },
        { "reimzul-notifier.service", "Restart=always", "Restart=sometimes" },
        { "reimzul-notifier.service", "SystemCallFilter=@system-service", "SystemCallFilter=@no-such-set" },
        { "reimzul-notifier.service", "[Service]", "[Servce]" },
        { "reimzul-worker@.service", "RestartSec=5s", "RestartSec=soon" },
        { "reimzul-worker@.service", "ExecStart=", "ExecStart=/nonexistent/reimzul-missing " },
    };

    [Theory]
    [MemberData(nameof(Mistakes))]
    public async Task AUnitWithAMistakeFailsTheCheck(string name, string correct, string wrong)
    {
        var unit = Unit(name);
        Assert.Contains(correct, File.ReadAllText(unit.Path), StringComparison.Ordinal);

        // ExecStart is edited after the stub is put in, so the last case names a program that is not there.
        var problems = await _analyze.VerifyAsync(_analyze.Copy(unit, text => text.Replace(correct, wrong, StringComparison.Ordinal)));

        Assert.NotEmpty(problems);
    }

    [Fact]
    public async Task EveryRoleButTheWorkerIsHardenedAndTheCheckTellsTheDifference()
    {
        foreach (var unit in UnitFile.All())
        {
            var (exposure, report) = await SystemdAnalyze.SecurityAsync(_analyze.Copy(unit));
            if (unit.Role == "worker")
            {
                // mock needs to gain privileges; the unit explains why it stays open.
                Assert.True(exposure > HardenedExposure, $"{unit.Name} scores {exposure}; expected the unhardened worker above {HardenedExposure}");
            }
            else
            {
                Assert.True(exposure <= HardenedExposure, $"{unit.Name} scores {exposure}, more than {HardenedExposure}:\n{report}");
            }
        }
    }
}
