using Reimzul.Messages;

namespace Reimzul.Tests.History;

/// <summary>Build events as a worker sends them, with defaults for the fields a test does not care about.</summary>
internal static class BuildEvents
{
    public static BuildEvent Event(
        string status,
        string timestamp = "20261125164602",
        string srpm = "hello-1.0-1.el7.src.rpm",
        string arch = "x86_64",
        string target = "c7.1708.u.x86_64",
        string? buildId = "build-1",
        bool scratch = false,
        string? submitter = "alice",
        string? reason = null) => new()
        {
            Srpm = srpm,
            Arch = arch,
            Target = target,
            Disttag = ".el7",
            Scratch = scratch,
            Submitter = submitter,
            BuildId = buildId,
            Status = status,
            BuilderFqdn = "builder1.example.org",
            Evr = "1.0-1.el7",
            PkgName = "hello",
            Timestamp = timestamp,
            Reason = reason,
        };
}
