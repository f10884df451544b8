using Reimzul.Rpm;

namespace Reimzul.Submit;

/// <summary>
/// Placing an SRPM in the incoming dir (local submit and the controller's upload): a complete temp file in that dir is
/// renamed to its name, so a worker never reads half an SRPM, and an SRPM of that name is never replaced.
/// </summary>
public static class IncomingSrpms
{
    /// <summary>
    /// Renames <paramref name="temporary"/> (complete, in the same dir) to <paramref name="final"/> unless a file of that
    /// name is there, also when another placement wins the race. False when one was there: the caller compares contents.
    /// </summary>
    public static bool TryPlace(string temporary, string final)
    {
        if (File.Exists(final))
        {
            return false;
        }
        try
        {
            File.Move(temporary, final, overwrite: false);
            return true;
        }
        catch (IOException) when (File.Exists(final))
        {
            return false;
        }
    }

    /// <summary>
    /// Name and version-release of an SRPM in <paramref name="incoming"/> that no worker built: from its header, or the
    /// name from its file name (NAME-VERSION-RELEASE.src.rpm) when the file is gone or unreadable.
    /// </summary>
    public static (string Name, string Evr) PackageOf(string incoming, string srpm)
    {
        try
        {
            var header = RpmHeaderReader.ReadSource(Path.Combine(incoming, srpm));
            return (header.Name, header.Evr);
        }
        catch (Exception ex) when (ex is IOException or RpmFormatException or UnauthorizedAccessException)
        {
            var stem = srpm.EndsWith(".src.rpm", StringComparison.Ordinal) ? srpm[..^".src.rpm".Length] : srpm;
            var release = stem.LastIndexOf('-');
            var version = release > 0 ? stem.LastIndexOf('-', release - 1) : -1;
            return (version > 0 ? stem[..version] : stem, "");
        }
    }

    /// <summary>Why a different SRPM of the same name is refused, and the remedy.</summary>
    public static string ConflictMessage(string name, string final) =>
        $"the incoming dir already holds a different SRPM named '{name}'; rebuild it with a new release, or remove {final}";
}
