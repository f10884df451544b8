using System.Globalization;
using Reimzul.Validation;

namespace Reimzul.Messages;

/// <summary>
/// Reads queue bodies the way the roles use them: parsed, and with every name that becomes a path or a tool
/// argument checked. The roles bury what fails; <c>reimzul buried</c> asks the same question again to say why
/// a job was buried where the queue keeps no reason (beanstalkd).
/// </summary>
public static class MessageChecks
{
    /// <summary>A job taken from build tube <paramref name="tube"/>, as a worker builds it.</summary>
    public static bool TryReadBuildJob(string tube, string body, out BuildJob job, out string error)
    {
        ArgumentNullException.ThrowIfNull(tube);
        if (!MessageJson.TryParseBuildJob(body, out job, out error))
        {
            return false;
        }
        return InputRules.TryValidateSrpmFileName(job.Srpm, out error)
            && Arches.TryValidate(job.Arch, out error)
            && Arches.TryValidateTube(job.Arch, tube, out error)
            && InputRules.TryValidateTarget(job.Target, out error)
            && InputRules.TryValidateDisttag(job.Disttag, out error);
    }

    /// <summary>
    /// An event on <c>notify</c>, as the notifier records it. Checked as strictly as a build job: its names end up in
    /// the history, the log, mails and the <c>tosign</c> request. Events of the original's workers carry no build_id,
    /// and a worker's Failed event for an SRPM it could not read has a pkgname from the file name and no evr.
    /// </summary>
    public static bool TryReadBuildEvent(string body, out BuildEvent ev, out string error)
    {
        if (!MessageJson.TryParseBuildEvent(body, out ev, out error))
        {
            return false;
        }
        return InputRules.TryValidateSrpmFileName(ev.Srpm, out error)
            && Arches.TryValidate(ev.Arch, out error)
            && InputRules.TryValidateTarget(ev.Target, out error)
            && TryValidateEventStatus(ev.Status, out error)
            && TryValidateTimestamp(ev.Timestamp, out error)
            && (string.IsNullOrEmpty(ev.Disttag) || InputRules.TryValidateDisttag(ev.Disttag, out error))
            && (string.IsNullOrEmpty(ev.PkgName) || InputRules.TryValidatePathComponent("pkgname", ev.PkgName, out error))
            && (string.IsNullOrEmpty(ev.Evr) || InputRules.TryValidatePathComponent("evr", ev.Evr, out error));
    }

    /// <summary>A request on <c>createrepo</c>, as the repogen role takes it.</summary>
    public static bool TryReadCreaterepoRequest(string body, out CreaterepoRequest request, out string error) =>
        MessageJson.TryParseCreaterepoRequest(body, out request, out error)
        && InputRules.TryValidateTarget(request.Target, out error);

    /// <summary>Why <paramref name="body"/> cannot be used on <paramref name="tube"/>; null when it can, or when the tube is not one of ours.</summary>
    public static string? Problem(string tube, string body)
    {
        ArgumentNullException.ThrowIfNull(tube);
        ArgumentNullException.ThrowIfNull(body);
        string error;
        var usable = tube switch
        {
            Tubes.Notify => TryReadBuildEvent(body, out _, out error),
            Tubes.Createrepo => TryReadCreaterepoRequest(body, out _, out error),
            Tubes.Tosign => MessageJson.TryParseTosignRequest(body, out _, out error),
            _ when Tubes.BuildTubes.Contains(tube) => TryReadBuildJob(tube, body, out _, out error),
            _ => Unknown(out error),
        };
        return usable ? null : error;
    }

    private static bool TryValidateEventStatus(string status, out string error)
    {
        error = BuildStatus.Events.Contains(status)
            ? ""
            : $"status {Printable.Quote(status)} is not an event status; events carry {string.Join(", ", BuildStatus.Events)}";
        return error.Length == 0;
    }

    // The original's time.strftime("%Y%m%d%H%M%S"); it names a directory of the store, so nothing else will do.
    private static bool TryValidateTimestamp(string timestamp, out string error)
    {
        var valid = timestamp.Length == 14
            && timestamp.All(char.IsAsciiDigit)
            && DateTime.TryParseExact(timestamp, "yyyyMMddHHmmss", CultureInfo.InvariantCulture, DateTimeStyles.None, out _);
        error = valid ? "" : $"timestamp {Printable.Quote(timestamp)} is not a time as %Y%m%d%H%M%S (14 digits, e.g. 20171123154602)";
        return valid;
    }

    private static bool Unknown(out string error)
    {
        error = "";
        return true;
    }
}
