using Reimzul.Validation;

namespace Reimzul.Files;

/// <summary>
/// Guards the names that arrive in messages (target, pkgname, timestamp, evr, arch) before they
/// become path segments: a hostile name must not reach outside the store's roots. The rule is
/// <see cref="InputRules.TryValidatePathComponent"/>; this adds the store's own reserved name and
/// a check of the joined path.
/// </summary>
internal static class PathSegments
{
    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="value"/> is usable as one path segment.</summary>
    public static string Check(string? value, string what)
    {
        if (!InputRules.TryValidatePathComponent(what, value, out var error))
        {
            // No parameter name: the message is for the operator, and .NET would append "(Parameter 'x')" to it.
            throw new ArgumentException(error);
        }
        return value!;
    }

    /// <summary>A package named like createrepo_c's output dir would land inside the repodata.</summary>
    public static string CheckPkgName(string? value)
    {
        Check(value, "pkgname");
        if (value is "repodata")
        {
            throw new ArgumentException($"pkgname '{value}' is reserved for the repo's metadata");
        }
        return value!;
    }

    /// <summary>
    /// <paramref name="root"/> joined with already checked <paramref name="segments"/>; a second line
    /// of defence checks the result still lies under the root.
    /// </summary>
    public static string Under(string root, params string[] segments)
    {
        var fullRoot = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
        var combined = Path.GetFullPath(Path.Combine([fullRoot, .. segments]));
        if (!combined.StartsWith(fullRoot + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{string.Join('/', segments)}' leads outside {fullRoot}");
        }
        return combined;
    }
}
