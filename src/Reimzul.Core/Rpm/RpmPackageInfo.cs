namespace Reimzul.Rpm;

/// <summary>What Reimzul reads from an RPM's main header.</summary>
public sealed record RpmPackageInfo(string Name, string Version, string Release, int? Epoch, string Arch, bool IsSource)
{
    /// <summary>version-release, as the original's <c>evr</c> field (no epoch).</summary>
    public string Evr => $"{Version}-{Release}";
}
