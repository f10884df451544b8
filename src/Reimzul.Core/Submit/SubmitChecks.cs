using Reimzul.Messages;
using Reimzul.Rpm;
using Reimzul.Validation;

namespace Reimzul.Submit;

/// <summary>The checks of a submit, shared by its variants so each refuses with the same words.</summary>
internal static class SubmitChecks
{
    /// <summary>What needs no SRPM (arch, target, disttag), so a bad order is refused before a file is placed or sent.</summary>
    public static void ArchTargetAndDisttag(SubmitOrder order)
    {
        Check(Arches.TryValidate(order.Arch, out var error), error);
        Check(InputRules.TryValidateTarget(order.Target, out error), error);
        Check(InputRules.TryValidateDisttag(order.Disttag, out error), error);
    }

    public static void Name(string name) =>
        Check(InputRules.TryValidateSrpmFileName(name, out var error), error);

    /// <summary>A local SRPM file to place in incoming or upload; returns its name there.</summary>
    public static string LocalFile(string path)
    {
        var name = Path.GetFileName(path);
        Name(name);
        // Before anything opens it: reading a FIFO would block for ever.
        if (SrpmFileKind.WhyNotARegularFile(path) is { } why)
        {
            throw new SubmitRefusedException($"SRPM file '{path}' {why}");
        }
        Source(path, path);
        return name;
    }

    /// <summary>Refuses a file that is not a readable source RPM; the message shows it as <paramref name="shownAs"/>.</summary>
    public static void Source(string path, string shownAs)
    {
        try
        {
            RpmHeaderReader.ReadSource(path);
        }
        catch (Exception ex) when (ex is RpmFormatException or IOException)
        {
            throw new SubmitRefusedException($"'{shownAs}' is not a usable source RPM: {ex.Message}", ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new SubmitRefusedException($"SRPM file '{shownAs}' cannot be read (permission denied)", ex);
        }
    }

    public static void Check(bool condition, string message)
    {
        if (!condition)
        {
            throw new SubmitRefusedException(message);
        }
    }
}
