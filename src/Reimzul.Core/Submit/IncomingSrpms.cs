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

    /// <summary>Why a different SRPM of the same name is refused, and the remedy.</summary>
    public static string ConflictMessage(string name, string final) =>
        $"the incoming dir already holds a different SRPM named '{name}'; rebuild it with a new release, or remove {final}";
}
