namespace Reimzul.Authorization;

/// <summary>
/// <c>[acl]</c>: who may build what, for MQTT requests (the certificate's CN) and HTTP submits through the controller
/// (the CN of the client certificate or the token's name) alike. One line per name:
/// <c>NAME = ARCHES TARGETS [scratch]</c>, ARCHES and TARGETS comma-separated globs (<c>*</c>, <c>?</c>), <c>scratch</c>
/// meaning that name may only build <c>--scratch</c>. A name not listed may build nothing, unless a <c>*</c> line says
/// what every other authenticated name may build.
/// </summary>
public sealed class BuildAcl
{
    /// <summary>The line for every name not listed on its own.</summary>
    public const string AnyoneElse = "*";

    private readonly Dictionary<string, AclRule> _rules;

    private BuildAcl(Dictionary<string, AclRule> rules)
    {
        _rules = rules;
    }

    public IReadOnlyCollection<AclRule> Rules => _rules.Values;

    /// <summary>Builds the ACL from <c>name = value</c> pairs; a wrong line throws <see cref="FormatException"/> naming the name and why.</summary>
    public static BuildAcl Parse(IEnumerable<KeyValuePair<string, string>> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        var rules = new Dictionary<string, AclRule>(StringComparer.Ordinal);
        foreach (var (name, value) in lines)
        {
            var rule = AclRule.Parse(name, value);
            if (!rules.TryAdd(name, rule))
            {
                throw new FormatException($"{name} is listed twice; give each name one line");
            }
        }
        return new BuildAcl(rules);
    }

    /// <summary>Null when <paramref name="who"/> may build <paramref name="arch"/> for <paramref name="target"/>; else the reason, for the requester.</summary>
    /// <param name="target">The target without the arch, e.g. <c>c7.1708.u</c>.</param>
    public string? WhyNot(string who, string arch, string target, bool scratch)
    {
        if (!_rules.TryGetValue(who, out var rule) && !_rules.TryGetValue(AnyoneElse, out rule))
        {
            return $"'{who}' is not in the build ACL ([acl]): it may not build anything";
        }
        if (!rule.Arches.Any(glob => Glob.Matches(glob, arch)))
        {
            return $"'{who}' may not build arch {arch} (allowed: {string.Join(",", rule.Arches)})";
        }
        if (!rule.Targets.Any(glob => Glob.Matches(glob, target)))
        {
            return $"'{who}' may not build for target {target} (allowed: {string.Join(",", rule.Targets)})";
        }
        if (rule.ScratchOnly && !scratch)
        {
            return $"'{who}' may only build scratch builds: ask again with --scratch";
        }
        return null;
    }
}

/// <summary>One line of <c>[acl]</c>.</summary>
public sealed record AclRule(string Name, IReadOnlyList<string> Arches, IReadOnlyList<string> Targets, bool ScratchOnly)
{
    internal static AclRule Parse(string name, string value)
    {
        var words = value.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (words.Length is < 2 or > 3 || (words.Length == 3 && words[2] != "scratch"))
        {
            throw new FormatException($"'{value}' is not ARCHES TARGETS [scratch], e.g. x86_64,i386 c7-* or * * scratch");
        }
        return new AclRule(name, Globs(words[0], "arches"), Globs(words[1], "targets"), words.Length == 3);
    }

    private static string[] Globs(string list, string what)
    {
        var globs = list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var glob in globs)
        {
            if (glob.Any(c => !(char.IsAsciiLetterOrDigit(c) || "._+~-*?".Contains(c, StringComparison.Ordinal))))
            {
                throw new FormatException($"{what} glob '{glob}' may hold only letters, digits, . _ + ~ - and the wildcards * ?");
            }
        }
        return globs.Length > 0 ? globs : throw new FormatException($"no {what} given");
    }
}

/// <summary>Shell-style globs with <c>*</c> (any run) and <c>?</c> (one character), matched against the whole name.</summary>
public static class Glob
{
    public static bool Matches(string glob, string value)
    {
        ArgumentNullException.ThrowIfNull(glob);
        ArgumentNullException.ThrowIfNull(value);
        int g = 0, v = 0, star = -1, resume = 0;
        while (v < value.Length)
        {
            if (g < glob.Length && (glob[g] == '?' || glob[g] == value[v]))
            {
                g++;
                v++;
            }
            else if (g < glob.Length && glob[g] == '*')
            {
                star = g++;
                resume = v;
            }
            else if (star >= 0)
            {
                g = star + 1;
                v = ++resume;
            }
            else
            {
                return false;
            }
        }
        while (g < glob.Length && glob[g] == '*')
        {
            g++;
        }
        return g == glob.Length;
    }
}
