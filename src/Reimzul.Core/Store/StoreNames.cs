namespace Reimzul.Store;

/// <summary>
/// Guards the names that arrive in messages (target, pkgname, timestamp, evr, arch) before they
/// become path segments: a hostile name must not reach outside the store's roots.
/// </summary>
internal static class StoreNames
{
    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="value"/> is usable as one path segment.</summary>
    public static string Check(string? value, string what)
    {
        if (string.IsNullOrEmpty(value))
        {
            throw new ArgumentException($"{what} is empty", what);
        }
        if (value is "." or "..")
        {
            throw new ArgumentException($"{what} '{value}' is not allowed: it names a directory, not an entry", what);
        }
        if (value.Contains('/', StringComparison.Ordinal))
        {
            throw new ArgumentException($"{what} '{value}' contains '/'", what);
        }
        if (value.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException($"{what} contains a NUL character", what);
        }
        return value;
    }

    /// <summary>A package named like createrepo_c's output dirs would land inside the repodata.</summary>
    public static string CheckPkgName(string? value)
    {
        Check(value, "pkgname");
        if (value is "repodata" or ".repodata")
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
