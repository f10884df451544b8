using Reimzul.Tests.Architecture.Samples.High;
using Reimzul.Tests.Architecture.Samples.Low;
using Reimzul.Tests.Architecture.Samples.Low.Detail;

namespace Reimzul.Tests.Architecture;

/// <summary>The checker behind <see cref="LayeringFacts"/>, run on the sample types so that it is seen to fail.</summary>
public sealed class LayerCheckerFacts
{
    private const string Samples = "Reimzul.Tests.Architecture.Samples";
    private const string Low = Samples + ".Low";
    private const string Detail = Samples + ".Low.Detail";
    private const string High = Samples + ".High";

    private static readonly Slice[] SampleTable =
    [
        new(Low, 0),
        new(Detail, 0, Uses: [Low]),
        new(High, 1),
    ];

    private static IReadOnlyList<Violation> Check(string ns) =>
        LayerChecker.Check(typeof(LayerCheckerFacts).Assembly, SampleTable, SampleTable.Single(s => s.Namespace == ns));

    [Fact]
    public void AnUpwardDependencyIsReportedWithTheTypeAndTheNamespaceItMustNotUse()
    {
        var upward = Check(Low).Where(v => v.To == High).Select(v => v.Type).Order(StringComparer.Ordinal);

        Assert.Equal([typeof(Floor).FullName!, $"{typeof(Floor).FullName}/{nameof(Floor.Hatch)}", typeof(Trapdoor).FullName!], upward);
    }

    [Fact]
    public void TheMessageNamesTheTypeTheNamespaceAndWhy()
    {
        var floor = Check(Low).First(v => v.Type == typeof(Floor).FullName);

        Assert.Equal($"{typeof(Floor).FullName} depends on {High}: L0 {Low} may only use lower layers, and {High} is L1", floor.ToString());
    }

    [Fact]
    public void ANamespaceMayNotUseItsSubNamespaceWhenTheTableMakesThemPeers()
    {
        var peer = Assert.Single(Check(Low), v => v.To == Detail);

        Assert.Equal(typeof(Stair).FullName, peer.Type);
    }

    [Fact]
    public void ASubNamespaceIsJudgedByItsOwnRulesNotByItsParents()
    {
        Assert.Empty(Check(Detail));
    }

    [Fact]
    public void DownwardDependenciesPass()
    {
        Assert.Empty(Check(High));
        Assert.DoesNotContain(Check(Low), v => v.Type == typeof(Ground).FullName);
    }

    [Fact]
    public void ABanForbidsALowerNamespaceTheLayersWouldAllow()
    {
        Slice[] table = [new(Low, 0), new(High, 1, Bans: [Low])];

        var banned = LayerChecker.Check(typeof(LayerCheckerFacts).Assembly, table, table[1]);

        Assert.Equal([typeof(Roof).FullName], banned.Select(v => v.Type));
    }

    [Fact]
    public void ANamespaceMissingFromTheTableIsReported()
    {
        Assert.Equal([Samples + ".Stray"], LayerChecker.Unplaced(typeof(LayerCheckerFacts).Assembly, SampleTable, Samples));
    }

    [Fact]
    public void ANamespaceThatOnlySharesAPrefixIsNotUnderIt()
    {
        Assert.True(LayerChecker.IsAtOrUnder("Reimzul.Queue.Embedded", "Reimzul.Queue"));
        Assert.False(LayerChecker.IsAtOrUnder("Reimzul.QueueTools", "Reimzul.Queue"));
    }
}
