namespace Reimzul.Messages;

/// <summary>Tube names and priorities of the original deployment, kept so mixed deployments interoperate.</summary>
public static class Tubes
{
    public const string Notify = "notify";
    public const string Createrepo = "createrepo";
    public const string Tosign = "tosign";

    /// <summary>Priority of a <c>--now</c> build (lower runs first).</summary>
    public const uint PriorityNow = 1024;

    /// <summary>Priority of an ordinary build, and of every other message.</summary>
    public const uint PriorityNormal = 8192;

    /// <summary>Priority on a build tube: <c>--now</c> jobs run first.</summary>
    public static uint BuildPriority(bool now) => now ? PriorityNow : PriorityNormal;

    /// <summary>Every build tube, once each (<see cref="Arches.BuildTubeByArch"/>'s values).</summary>
    public static IReadOnlyList<string> BuildTubes { get; } = [.. Arches.BuildTubeByArch.Values.Distinct()];

    /// <summary>The tubes every deployment has: the build tubes, then <c>notify</c>, <c>createrepo</c>, <c>tosign</c>.</summary>
    public static IReadOnlyList<string> Standard { get; } = [.. BuildTubes, Notify, Createrepo, Tosign];
}
