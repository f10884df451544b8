namespace Reimzul.Queue;

/// <summary>Tube names, priorities and the arch rules of the original deployment (kept so mixed deployments interoperate).</summary>
public static class Tubes
{
    public const string Notify = "notify";
    public const string Createrepo = "createrepo";
    public const string Tosign = "tosign";

    /// <summary>Priority of a <c>--now</c> build (lower runs first).</summary>
    public const uint PriorityNow = 1024;

    /// <summary>Priority of an ordinary build, and of every other message.</summary>
    public const uint PriorityNormal = 8192;

    /// <summary>Requested arch → build tube.</summary>
    public static readonly IReadOnlyDictionary<string, string> BuildTubeByArch = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["x86_64"] = "x86_64",
        ["noarch"] = "noarch",
        ["armhfp"] = "armv7l",
        ["aarch64"] = "aarch64",
        ["i386"] = "i386",
        ["i686"] = "i386",
        ["ppc64"] = "ppc64",
        ["ppc64le"] = "ppc64le",
        ["ppc"] = "ppc",
    };

    /// <summary>The tubes a builder of <paramref name="builderArch"/> (as <c>uname -m</c> names it) watches.</summary>
    public static IReadOnlyList<string> WatchedBy(string builderArch) => builderArch switch
    {
        "x86_64" => ["x86_64", "i386", "noarch"],
        "ppc64" => ["ppc64", "ppc"],
        "i686" or "i586" or "i386" => ["i386"],
        _ => [builderArch],
    };
}
