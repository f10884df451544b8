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

    /// <summary>
    /// Checks every local file among <paramref name="orders"/> (and the options of the first) before anything is placed
    /// or sent; refuses with every problem found, so the submitter fixes them all in one go.
    /// </summary>
    public static void LocalFiles(IReadOnlyList<SubmitOrder> orders)
    {
        Check(orders.Count > 0, "no SRPM to submit");
        ArchTargetAndDisttag(orders[0]);
        var problems = new List<string>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var order in orders)
        {
            try
            {
                var name = order.SrpmIsLocalFile() ? LocalFile(order.Srpm) : order.Srpm;
                Check(names.Add(name), $"SRPM '{order.Srpm}': an SRPM named {name} is given twice");
            }
            catch (SubmitRefusedException ex)
            {
                problems.Add(ex.Message);
            }
        }
        RefuseBulkIfAny(problems, orders.Count);
    }

    /// <summary>A bulk submit with problems is refused whole, the message naming the first 20 of them.</summary>
    public static void RefuseBulkIfAny(IReadOnlyList<string> problems, int orders)
    {
        if (problems.Count > 0)
        {
            var shown = problems.Take(20).ToList();
            var more = problems.Count > shown.Count ? $"\n  ... and {problems.Count - shown.Count} more" : "";
            throw new SubmitRefusedException($"nothing was queued: {problems.Count} of {orders} SRPMs cannot be submitted:\n  {string.Join("\n  ", shown)}{more}");
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
