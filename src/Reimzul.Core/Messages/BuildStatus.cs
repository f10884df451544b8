namespace Reimzul.Messages;

/// <summary>Status words as the original wrote them into events and the history, plus <see cref="Canceled"/>.</summary>
public static class BuildStatus
{
    public const string Building = "Building";
    public const string Success = "Success";
    public const string Failed = "Failed";

    /// <summary>
    /// A build stopped or removed by an operator (<c>reimzul cancel</c>, the API), or never built because a chain stopped
    /// before its group when a build before it failed (announced by the chain role; the reason says which). Like a result
    /// it ends the build (its Building record becomes Done), but it never becomes <c>latest_build</c>: a canceled build
    /// produced nothing, so the package's last real result stays the latest.
    /// </summary>
    public const string Canceled = "Canceled";

    /// <summary>A Building record superseded by its result (history only).</summary>
    public const string Done = "Done";

    /// <summary>Set by <c>fix-build</c> with a comment (history only).</summary>
    public const string Override = "Override";

    public static readonly IReadOnlyList<string> All = [Building, Success, Failed, Canceled, Done, Override];

    /// <summary>What is announced on <c>notify</c>; the others are set in the history only.</summary>
    public static readonly IReadOnlyList<string> Events = [Building, Success, Failed, Canceled];

    /// <summary>A result of a build that ran to its end: it becomes the <c>latest_build</c> of (srpm, target, arch).</summary>
    public static bool IsResult(string status) => status is Success or Failed;

    /// <summary>The build of that arch is over: a result or <see cref="Canceled"/>; its Building record becomes Done.</summary>
    public static bool EndsBuild(string status) => IsResult(status) || status == Canceled;

    /// <summary>Records of this status are listed whether or not they are a latest build (they never are).</summary>
    public static bool IsNeverLatest(string status) => status is Building or Canceled;
}
