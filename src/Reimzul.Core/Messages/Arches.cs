using Reimzul.Validation;

namespace Reimzul.Messages;

/// <summary>
/// The arch rules of the original deployment: which build tube a requested arch goes to, and which tubes a
/// builder of an arch watches. Domain policy, carried by the messages, not by the queue that transports them.
/// </summary>
public static class Arches
{
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

    /// <summary>The arches a build can be requested for, sorted.</summary>
    public static IReadOnlyList<string> Known { get; } = [.. BuildTubeByArch.Keys.Order(StringComparer.Ordinal)];

    /// <summary>The build tube of a requested arch (already validated).</summary>
    public static string BuildTube(string arch) => BuildTubeByArch[arch];

    /// <summary>The tubes a builder of <paramref name="builderArch"/> (as <c>uname -m</c> names it) watches.</summary>
    public static IReadOnlyList<string> WatchedBy(string builderArch) => builderArch switch
    {
        "x86_64" => ["x86_64", "i386", "noarch"],
        "ppc64" => ["ppc64", "ppc"],
        "i686" or "i586" or "i386" => ["i386"],
        _ => [builderArch],
    };

    /// <summary>An arch that has a build tube (<see cref="BuildTubeByArch"/>).</summary>
    public static bool TryValidate(string? arch, out string error)
    {
        if (arch is not null && BuildTubeByArch.ContainsKey(arch))
        {
            error = "";
            return true;
        }
        var known = string.Join(", ", Known);
        error = string.IsNullOrEmpty(arch)
            ? $"arch is empty; known arches: {known}"
            : $"unknown arch {Printable.Quote(arch)}; known arches: {known}";
        return false;
    }

    /// <summary>
    /// A job of <paramref name="arch"/> (already validated) taken from <paramref name="tube"/>: only from the tube its arch
    /// routes to, since a builder builds whatever its tubes hold, and a foreign arch would be cross-built and published.
    /// </summary>
    public static bool TryValidateTube(string arch, string tube, out string error)
    {
        ArgumentNullException.ThrowIfNull(arch);
        ArgumentNullException.ThrowIfNull(tube);
        var expected = BuildTube(arch);
        error = expected == tube
            ? ""
            : $"arch {Printable.Quote(arch)} does not belong on tube {Printable.Quote(tube)}: it is built from tube {expected}";
        return error.Length == 0;
    }
}
