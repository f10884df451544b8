using Reimzul.Cli;

namespace Reimzul.Tests.Deploy;

/// <summary>What an operator relies on in every shipped unit, read from the files as systemd reads them.</summary>
public sealed class UnitFileTests
{
    // Subcommands that run once and exit, or (up) the one-machine bundle of all roles: no unit of their own.
    // Commands that run and end. chain-worker is a role, but chains need the incoming dir, the repo and the history on one
    // host, so it runs inside `reimzul up` (one machine) and has no unit of its own.
    private static readonly string[] NotServices = ["submit", "up", "submit-repogen", "query", "fix-build", "stats", "buried", "kick", "client", "history",
        "chain-build", "chain-worker", "watch", "logs", "cancel", "resubmit"];

    // Roles the design names whose subcommands are still to come; their units are shipped already.
    private static readonly string[] PlannedRoles = ["mqtt-sub", "controller", "bstore"];

    // Several of these run at once, on one host or many.
    private static readonly string[] MultiInstanceRoles = ["worker", "repogen-worker"];

    // `reimzul bstore` runs these roles in its own process (RoleCommands.Bstore).
    private static readonly string[] RolesInsideBstore = ["repogen-worker", "signer"];

    private static IEnumerable<string> CliSubcommands() => ReimzulCommandLine.Build().Subcommands.Select(c => c.Name);

    [Fact]
    public void EveryLongRunningRoleOfTheCliHasAUnit()
    {
        var withUnits = UnitFile.All().Select(u => u.Role).ToHashSet(StringComparer.Ordinal);

        var missing = CliSubcommands().Where(c => !NotServices.Contains(c) && !withUnits.Contains(c)).ToList();

        Assert.True(missing.Count == 0,
            $"subcommands without a unit in systemd/: {string.Join(", ", missing)} (add a unit, or list it in {nameof(NotServices)} if it is no service)");
    }

    [Fact]
    public void EveryUnitRunsARoleTheCliHasOrTheDesignPlans()
    {
        var known = CliSubcommands().Concat(PlannedRoles).ToHashSet(StringComparer.Ordinal);

        Assert.All(UnitFile.All(), unit => Assert.True(known.Contains(unit.Role), $"{unit.Name} runs '{unit.Role}', which is no role"));
        Assert.Equal(["bstore", "controller", "mqtt-sub", "notifier", "repogen-worker", "signer", "web", "worker"],
            UnitFile.All().Select(u => u.Role).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void EveryUnitRunsTheInstalledProgramWithTheSystemConfigAsReimzulAndComesBackAfterAnyExit()
    {
        Assert.All(UnitFile.All(), unit =>
        {
            Assert.Equal($"/usr/local/bin/reimzul {unit.Role} --config /etc/reimzul/reimzul.ini", unit.Service("ExecStart"));
            Assert.Equal("reimzul", unit.Service("User"));
            Assert.Equal("reimzul", unit.Service("Group"));
            Assert.Equal("notify", unit.Service("Type"));
            Assert.Equal("always", unit.Service("Restart"));
            Assert.Equal("5s", unit.Service("RestartSec"));
            // stdout and stderr go to the journal: nothing redirects them.
            Assert.Null(unit.Service("StandardOutput"));
            Assert.Null(unit.Service("StandardError"));
            Assert.Equal(["multi-user.target"], unit.Values("Install", "WantedBy"));
        });
    }

    [Fact]
    public void WorkersAndRepogenWorkersAreTemplatesTheOthersSingleUnits()
    {
        Assert.All(UnitFile.All(), unit =>
            Assert.True(unit.IsTemplate == MultiInstanceRoles.Contains(unit.Role), $"{unit.Name}: template = {unit.IsTemplate}"));
    }

    [Fact]
    public void TheWorkerMayRunMockAndEveryOtherRoleCannotGainPrivileges()
    {
        var worker = Assert.Single(UnitFile.All(), u => u.Role == "worker");
        Assert.Equal("mock", worker.Service("SupplementaryGroups"));
        Assert.Null(worker.Service("NoNewPrivileges"));
        Assert.Null(worker.Service("SystemCallFilter"));
        Assert.Null(worker.Service("ProtectSystem"));

        Assert.All(UnitFile.All().Where(u => u.Role != "worker"), unit =>
        {
            Assert.Equal("yes", unit.Service("NoNewPrivileges"));
            Assert.Equal("strict", unit.Service("ProtectSystem"));
            Assert.Equal("/srv/reimzul /var/log/reimzul", unit.Service("ReadWritePaths"));
            // The hosting library finds systemd through /proc; hiding it would silence READY=1.
            Assert.Null(unit.Service("ProtectProc"));
        });
    }

    [Fact]
    public void TheRolesBstoreRunsItselfSayInTheirUnitsAndTheReadmeNotToBeEnabledBesideIt()
    {
        var bstore = Assert.Single(UnitFile.All(), u => u.Role == "bstore");
        var readme = File.ReadAllLines(Path.Combine(UnitFile.Dir, "README.md"));
        string Row(UnitFile unit) => Assert.Single(readme, l => l.StartsWith($"| `{unit.InstanceName.Replace("@1.", "@N.", StringComparison.Ordinal)}` |", StringComparison.Ordinal));

        Assert.All(RolesInsideBstore, role => Assert.Contains($"`{role}`", Row(bstore), StringComparison.Ordinal));
        Assert.Contains("repodata", bstore.Values("Unit", "Description").Single(), StringComparison.Ordinal);
        Assert.Contains("signing", bstore.Values("Unit", "Description").Single(), StringComparison.Ordinal);
        Assert.All(UnitFile.All().Where(u => RolesInsideBstore.Contains(u.Role)), unit =>
        {
            Assert.Contains("without reimzul-bstore", unit.Values("Unit", "Description").Single(), StringComparison.Ordinal);
            var where = Row(unit).Split('|', StringSplitOptions.TrimEntries)[3];
            Assert.NotEqual("bstore", where);
            Assert.Contains("without `reimzul-bstore`", where, StringComparison.Ordinal);
        });
    }
}
