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

    /// <summary>
    /// Priority of a <c>--background</c> build (a mass rebuild): below every ordinary build, whatever fair-share offset
    /// that one was given (ordinary builds use <see cref="PriorityNormal"/> up to just under this).
    /// </summary>
    public const uint PriorityBackground = 1u << 31;

    /// <summary>Priority on a build tube: <c>--now</c> jobs run first.</summary>
    public static uint BuildPriority(bool now) => now ? PriorityNow : PriorityNormal;

    /// <summary>The base priority of a build: <c>--now</c> first, then ordinary builds, then background ones.</summary>
    public static uint BuildPriority(bool now, bool background) => now ? PriorityNow : background ? PriorityBackground : PriorityNormal;

    /// <summary>
    /// The priorities a build of <paramref name="basePriority"/> may get from fair share (an offset added to spread
    /// submitters): ordinary builds stay below background ones; <c>--now</c> builds stay exactly 1024, as before.
    /// </summary>
    public static (uint First, uint Last) FairShareBand(uint basePriority) => basePriority switch
    {
        PriorityNormal => (PriorityNormal, PriorityBackground - 1),
        PriorityBackground => (PriorityBackground, uint.MaxValue),
        _ => (basePriority, basePriority),
    };

    /// <summary>Every build tube, once each (<see cref="Arches.BuildTubeByArch"/>'s values).</summary>
    public static IReadOnlyList<string> BuildTubes { get; } = [.. Arches.BuildTubeByArch.Values.Distinct()];

    /// <summary>The tubes every deployment has: the build tubes, then <c>notify</c>, <c>createrepo</c>, <c>tosign</c>.</summary>
    public static IReadOnlyList<string> Standard { get; } = [.. BuildTubes, Notify, Createrepo, Tosign];
}
