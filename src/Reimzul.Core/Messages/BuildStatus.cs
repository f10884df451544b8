namespace Reimzul.Messages;

/// <summary>Status words as the original wrote them into events and the history.</summary>
public static class BuildStatus
{
    public const string Building = "Building";
    public const string Success = "Success";
    public const string Failed = "Failed";

    /// <summary>A Building record superseded by its result (history only).</summary>
    public const string Done = "Done";

    /// <summary>Set by <c>fix-build</c> with a comment (history only).</summary>
    public const string Override = "Override";

    /// <summary>
    /// Not built, and never will be: a chain stopped before this build's group because a build before it failed (the
    /// reason says which). Announced on <c>notify</c> by the chain role.
    /// </summary>
    public const string Canceled = "Canceled";

    public static readonly IReadOnlyList<string> All = [Building, Success, Failed, Done, Override, Canceled];

    /// <summary>What is announced on <c>notify</c> (by a worker; Canceled by the chain role); the others are set in the history only.</summary>
    public static readonly IReadOnlyList<string> Events = [Building, Success, Failed, Canceled];
}
