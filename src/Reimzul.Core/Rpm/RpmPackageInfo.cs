namespace Reimzul.Rpm;

/// <summary>What Reimzul reads from an RPM's main header.</summary>
/// <param name="SourceRpm">A binary RPM's SOURCERPM tag, the file name of the SRPM it was built from (<c>N-V-R.src.rpm</c>); null for SRPMs.</param>
public sealed record RpmPackageInfo(string Name, string Version, string Release, int? Epoch, string Arch, bool IsSource, string? SourceRpm = null)
{
    /// <summary>version-release, as the original's <c>evr</c> field (no epoch).</summary>
    public string Evr => $"{Version}-{Release}";
}
