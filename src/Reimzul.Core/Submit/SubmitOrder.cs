namespace Reimzul.Submit;

/// <summary>A request to build one SRPM for one arch and target, as the submitter gives it.</summary>
/// <param name="Srpm">The name of an SRPM in the incoming dir, or the path of a local file (<see cref="SrpmIsLocalFile"/>).</param>
/// <param name="Arch">The requested arch, e.g. <c>armhfp</c> (not the tube name).</param>
/// <param name="Target">The target repo without the arch, e.g. <c>c7.1708.u</c>.</param>
/// <param name="Disttag">The value of <c>%dist</c>, e.g. <c>.el7_4</c>.</param>
/// <param name="Scratch">Build and publish, but do not stage the RPMs for signing.</param>
/// <param name="Now">Put the job ahead of the queued ones.</param>
/// <param name="Replace">Replace the build that publishes the same packages in the target (it leaves the repo);
/// without it such a build ends Failed, as a target never lists a package twice.</param>
/// <param name="Background">Put the job below every ordinary build (a mass rebuild that must not hold up anyone's single build).</param>
public sealed record SubmitOrder(string Srpm, string Arch, string Target, string Disttag, bool Scratch, bool Now, bool Replace = false, bool Background = false)
{
    /// <summary>Only these arches of the build's chain (a resubmit of its failed arches); null: all of them.</summary>
    public IReadOnlyList<string>? OnlyArches { get; init; }

    /// <summary>
    /// <see cref="Srpm"/> is a local file to place in incoming (it contains a '/' or something of that name is here,
    /// so a directory or a dangling symlink is refused as what it is), not the name of an SRPM already there.
    /// </summary>
    public bool SrpmIsLocalFile() => Srpm.Contains('/', StringComparison.Ordinal) || SrpmFileKind.Exists(Srpm);
}
