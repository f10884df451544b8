using System.Reflection;

namespace Reimzul.Tests.Architecture;

/// <summary>
/// Dependencies in Reimzul.Core run one way: a namespace uses only namespaces of lower layers, never a peer of its
/// own layer unless the table says so, never what the table bans. Adapters depend on the roles whose ports they
/// implement, roles on services, and so on down to the foundations.
/// </summary>
public sealed class LayeringFacts
{
    private const string Queue = "Reimzul.Queue";
    private const string Embedded = "Reimzul.Queue.Embedded";
    private const string Beanstalk = "Reimzul.Queue.Beanstalk";
    private const string Messages = "Reimzul.Messages";
    private const string Config = "Reimzul.Config";

    /// <summary>The layer table, lowest layer first. A new folder in Reimzul.Core goes here.</summary>
    internal static readonly Slice[] Table =
    [
        // L0 foundations: no other Reimzul namespace.
        new("Reimzul.Validation", 0),
        new("Reimzul.Processes", 0),
        new("Reimzul.Retry", 0),
        new("Reimzul.Rpm", 0),
        new("Reimzul.Telemetry", 0),

        // L1
        new("Reimzul.Files", 1),
        new(Messages, 1),
        // [acl]: who may build which arches and targets; read by Config, asked by remote builds and the controller.
        new("Reimzul.Authorization", 1),

        // L2. A transport knows neither the messages it carries nor the INI config; the contract knows no
        // backend, and the backends implement the contract without knowing each other.
        // Peers may not use each other anyway; the bans state these rules outright so a change of layer keeps them.
        new(Queue, 2, Bans: [Messages, Config, Embedded, Beanstalk]),
        new(Embedded, 2, Uses: [Queue], Bans: [Messages, Config, Beanstalk]),
        new(Beanstalk, 2, Uses: [Queue], Bans: [Messages, Config, Embedded]),
        new(Config, 2),

        // L3 services
        new("Reimzul.Processing", 3),
        new("Reimzul.History", 3),
        new("Reimzul.Build", 3),
        new("Reimzul.Protocol", 3),
        // The MQTT connection ([mqtt] options, TLS, reconnects, publish): the notifier now, remote builds next.
        new("Reimzul.Mqtt", 3, Bans: [Messages]),
        // git branch and ref → SRPM: clone, lookaside, disttag, rpmbuild -bs.
        new("Reimzul.GitToSrpm", 3),

        // L4 roles: each owns the ports it consumes, and no role reaches into another.
        new("Reimzul.Worker", 4),
        new("Reimzul.Notify", 4),
        new("Reimzul.Repogen", 4),
        new("Reimzul.Signing", 4),
        new("Reimzul.Submit", 4),
        new("Reimzul.Status", 4),
        // Chain builds: a role that queues each group through Submit's one submit path, so the checks stay in one place.
        new("Reimzul.Chains", 4, Uses: ["Reimzul.Submit"]),

        // L5 adapters: implement the roles' ports (Worker.IResultStore, Worker.ISrpmSource).
        new("Reimzul.ResultStores", 5),
        new("Reimzul.Srpms", 5),
        // implement History.IHistoryStore: PostgreSQL, and the client of a store in another process (MongoDB).
        new("Reimzul.HistoryStores", 5),
        // implement Worker.ICancelChecks (the cancel records in the data dir, or asked of the controller) and keep those records.
        new("Reimzul.Cancels", 5),
        // Remote builds from git: MQTT requests and the controller's --git submits, driving the submit role.
        new("Reimzul.BuildRequests", 5),
    ];

    private static readonly Assembly Core = Assembly.Load("Reimzul.Core");
    private static readonly Assembly Web = Assembly.Load("Reimzul.Web");
    private static readonly Assembly Cli = Assembly.Load("reimzul");

    public static TheoryData<string> Namespaces => [.. Table.Select(s => s.Namespace)];

    [Theory]
    [MemberData(nameof(Namespaces))]
    public void TheNamespaceUsesOnlyLowerLayersAndThePeersTheTableAllows(string ns)
    {
        var violations = LayerChecker.Check(Core, Table, Table.Single(s => s.Namespace == ns));

        Assert.True(violations.Count == 0,
            $"Dependencies that break the layering:\n  {string.Join("\n  ", violations)}");
    }

    [Fact]
    public void EveryNamespaceOfCoreIsPlacedInTheLayerTable()
    {
        var unplaced = LayerChecker.Unplaced(Core, Table, "Reimzul");

        Assert.True(unplaced.Count == 0,
            $"Not in the layer table: {string.Join(", ", unplaced)}. Add each to the layer table in "
            + $"{nameof(LayeringFacts)}.cs, in the lowest layer whose rules it keeps.");
    }

    [Fact]
    public void EveryTypeOfCoreThatADeveloperWroteLivesUnderTheReimzulNamespace()
    {
        var strays = LayerChecker.OutsideRoot(Core, "Reimzul");

        Assert.True(strays.Count == 0,
            $"Outside the Reimzul namespace, so no layer rule sees them: {string.Join(", ", strays)}. "
            + "Move each into a folder (namespace) of the layer table.");
    }

    [Fact]
    public void EveryNamespaceInTheLayerTableStillHasTypesInCore()
    {
        var present = Core.GetTypes().Select(t => t.Namespace).ToHashSet();
        var stale = Table.Select(s => s.Namespace).Where(ns => !present.Contains(ns)).ToList();

        Assert.True(stale.Count == 0,
            $"In the layer table but gone from Reimzul.Core: {string.Join(", ", stale)}. "
            + $"Rename or remove them in the layer table in {nameof(LayeringFacts)}.cs.");
    }

    [Fact]
    public void CoreDependsOnNeitherWebNorCli()
    {
        Assert.DoesNotContain(Core.GetReferencedAssemblies(), r => r.Name is "Reimzul.Web" or "reimzul");
        AssertNoDependency(Core, Web);
        AssertNoDependency(Core, Cli);
    }

    [Fact]
    public void WebDoesNotDependOnCli()
    {
        Assert.DoesNotContain(Web.GetReferencedAssemblies(), r => r.Name == "reimzul");
        AssertNoDependency(Web, Cli);
    }

    private static void AssertNoDependency(Assembly from, Assembly to)
    {
        var types = LayerChecker.TypesDependingOn(from, to);

        Assert.True(types.Count == 0,
            $"{from.GetName().Name} must not depend on {to.GetName().Name}, but these types do: {string.Join(", ", types)}");
    }
}
