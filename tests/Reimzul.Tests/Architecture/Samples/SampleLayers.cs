// Sample types for LayerCheckerFacts: each dependency here is one the checker must report or must let pass.
#pragma warning disable CA1034 // a nested type is the point of Floor.Hatch

namespace Reimzul.Tests.Architecture.Samples.Low
{
    /// <summary>Uses High from a property: an upward dependency.</summary>
    public sealed class Floor
    {
        public High.Roof? Above { get; set; }

        /// <summary>Nested types count for their declaring namespace.</summary>
        public sealed class Hatch
        {
            public High.Roof? Above { get; set; }
        }
    }

    /// <summary>Uses High only inside a lambda, which the compiler moves into a nested class.</summary>
    public static class Trapdoor
    {
        public static Func<object> Open() => () => new High.Roof();
    }

    /// <summary>Uses its own sub-namespace, which the sample table puts beside it rather than below it.</summary>
    public sealed class Stair
    {
        public Detail.Brick? Down { get; set; }
    }

    public sealed class Ground
    {
        public int Depth { get; set; }
    }
}

namespace Reimzul.Tests.Architecture.Samples.Low.Detail
{
    /// <summary>Uses Low, which the table allows, and its own namespace; judged by Low's rules (as a prefix match
    /// on the namespace would) it would wrongly be reported for using Low.Detail.</summary>
    public sealed class Brick
    {
        public Ground? On { get; set; }

        public Mortar? With { get; set; }
    }

    public sealed class Mortar;
}

namespace Reimzul.Tests.Architecture.Samples.High
{
    /// <summary>Uses both lower namespaces: allowed.</summary>
    public sealed class Roof
    {
        public Low.Ground? Below { get; set; }

        public Low.Detail.Brick? Built { get; set; }
    }
}

namespace Reimzul.Tests.Architecture.Samples.Stray
{
    /// <summary>In a namespace the sample table leaves out.</summary>
    public sealed class Unplaced;
}
