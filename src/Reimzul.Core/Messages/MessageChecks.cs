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
            Tubes.Notify => MessageJson.TryParseBuildEvent(body, out _, out error),
            Tubes.Createrepo => TryReadCreaterepoRequest(body, out _, out error),
            Tubes.Tosign => MessageJson.TryParseTosignRequest(body, out _, out error),
            _ when Tubes.BuildTubes.Contains(tube) => TryReadBuildJob(tube, body, out _, out error),
            _ => Unknown(out error),
        };
        return usable ? null : error;
    }

    private static bool Unknown(out string error)
    {
        error = "";
        return true;
    }
}
