namespace Reimzul.Signing;

/// <summary>What <see cref="Signer.StageAsync"/> did. File names are those in <c>tosign/&lt;target&gt;/</c>.</summary>
/// <param name="BuildDir">The directory the RPMs were taken from.</param>
/// <param name="BuildDirFound">False when <paramref name="BuildDir"/> does not exist; then nothing was staged.</param>
/// <param name="Staged">Copied because absent or different.</param>
/// <param name="Skipped">Already staged with the same content.</param>
/// <param name="Conflicts">A second RPM of the same file name in the build (e.g. a noarch subpackage of two chained builds); the first in path order is the one staged.</param>
public sealed record SignerReport(
    string BuildDir,
    bool BuildDirFound,
    IReadOnlyList<string> Staged,
    IReadOnlyList<string> Skipped,
    IReadOnlyList<string> Conflicts);
