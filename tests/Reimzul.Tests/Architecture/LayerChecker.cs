using System.CodeDom.Compiler;
using System.Reflection;
using System.Runtime.CompilerServices;
using Mono.Cecil;
using NetArchTest.Rules;

namespace Reimzul.Tests.Architecture;

/// <summary>One namespace of the layer table. <paramref name="Uses"/> lists the peers of the same layer it may use;
/// <paramref name="Bans"/> lists namespaces it must not use even though their layer is lower.</summary>
internal sealed record Slice(string Namespace, int Layer, string[]? Uses = null, string[]? Bans = null)
{
    public override string ToString() => $"L{Layer} {Namespace}";
}

internal sealed record Violation(string Type, Slice From, string To, string Why)
{
    public override string ToString() => $"{Type} depends on {To}: {Why}";
}

/// <summary>Checks a layer table against the types of an assembly.</summary>
/// <remarks>
/// NetArchTest matches namespaces by prefix (<c>Reimzul.Queue</c> would take in <c>Reimzul.Queue.Embedded</c>), so a
/// slice here is exact: its types are those whose outermost declaring type sits in exactly that namespace, and a
/// dependency on a namespace is a dependency on one of the types declared in exactly that namespace.
/// It reads compiled code, so an unused <c>using</c>, a doc <c>cref</c> or an inlined <c>const</c> is no dependency.
/// </remarks>
internal static class LayerChecker
{
    public static IReadOnlyList<Violation> Check(Assembly assembly, IReadOnlyList<Slice> table, Slice slice)
    {
        var types = Types.InAssembly(assembly);
        var violations = new List<Violation>();
        foreach (var (to, why) in Forbidden(table, slice))
        {
            var targets = TypeNamesIn(assembly, to);
            if (targets.Length == 0)
            {
                continue;
            }
            var result = types.That().MeetCustomRule(new DeclaredIn(slice.Namespace))
                .Should().NotHaveDependencyOnAny(targets).GetResult();
            if (!result.IsSuccessful)
            {
                violations.AddRange(result.FailingTypeNames.Select(type => new Violation(type, slice, to, why)));
            }
        }
        return violations;
    }

    /// <summary>Every namespace the slice must not use, with the reason a developer reads when it does.</summary>
    public static IEnumerable<(string Namespace, string Why)> Forbidden(IReadOnlyList<Slice> table, Slice slice)
    {
        var bans = slice.Bans ?? [];
        foreach (var banned in bans)
        {
            yield return (banned, $"the layer table bans {slice.Namespace} from using {banned}");
        }
        foreach (var other in table)
        {
            if (other == slice || other.Layer < slice.Layer || bans.Contains(other.Namespace)
                || (slice.Uses?.Contains(other.Namespace) ?? false))
            {
                continue;
            }
            yield return (other.Namespace, other.Layer > slice.Layer
                ? $"{slice} may only use lower layers, and {other.Namespace} is L{other.Layer}"
                : $"{slice} and {other.Namespace} are peers in L{other.Layer}, and peers do not use each other");
        }
    }

    /// <summary>Types of <paramref name="from"/> that use a type declared in <paramref name="to"/>.</summary>
    public static IReadOnlyList<string> TypesDependingOn(Assembly from, Assembly to)
    {
        var targets = to.GetTypes().Where(t => !t.IsNested && t.Namespace is not null).Select(t => t.FullName!).ToArray();
        var result = Types.InAssembly(from).Should().NotHaveDependencyOnAny(targets).GetResult();
        return result.IsSuccessful ? [] : result.FailingTypeNames;
    }

    /// <summary>Namespaces at or under <paramref name="root"/> that hold types but are missing from the table.</summary>
    public static IReadOnlyList<string> Unplaced(Assembly assembly, IReadOnlyList<Slice> table, string root) =>
        [.. assembly.GetTypes()
            .Select(t => t.Namespace ?? "")
            .Where(ns => IsAtOrUnder(ns, root) && !table.Any(s => s.Namespace == ns))
            .Distinct()
            .Order(StringComparer.Ordinal)];

    /// <summary>Types outside <paramref name="root"/> that a developer wrote, as opposed to ones the compiler or a
    /// source generator emits (anonymous types, embedded attributes, generated regexes).</summary>
    public static IReadOnlyList<string> OutsideRoot(Assembly assembly, string root) =>
        [.. assembly.GetTypes()
            .Where(t => !t.IsNested && !IsAtOrUnder(t.Namespace ?? "", root) && !IsToolEmitted(t))
            .Select(t => t.FullName!)
            .Order(StringComparer.Ordinal)];

    public static bool IsAtOrUnder(string ns, string root) =>
        ns == root || ns.StartsWith(root + ".", StringComparison.Ordinal);

    private static bool IsToolEmitted(Type type) =>
        type.IsDefined(typeof(CompilerGeneratedAttribute), inherit: false)
        || type.IsDefined(typeof(GeneratedCodeAttribute), inherit: false)
        || type.GetCustomAttributes(inherit: false).Any(a => a.GetType().FullName == "Microsoft.CodeAnalysis.EmbeddedAttribute");

    // Top-level types are enough: a reference to a nested type matches its outermost declaring type.
    private static string[] TypeNamesIn(Assembly assembly, string ns) =>
        [.. assembly.GetTypes().Where(t => !t.IsNested && t.Namespace == ns).Select(t => t.FullName!)];

    /// <summary>Types declared in exactly one namespace, nested types with their declaring type (Cecil gives nested
    /// types no namespace of their own).</summary>
    private sealed class DeclaredIn(string ns) : ICustomRule
    {
        public bool MeetsRule(TypeDefinition type)
        {
            while (type.DeclaringType is { } outer)
            {
                type = outer;
            }
            return type.Namespace == ns;
        }
    }
}
