namespace Reimzul.Build;

/// <summary>Everything needed to run one mock build, worked out before anything is written or run.</summary>
/// <param name="FileName">The mock program.</param>
/// <param name="Arguments">mock's arguments, as the original ran it: <c>-r mock --configdir=DIR --resultdir=DIR --define "dist X" --cleanup-after SRPM</c>.</param>
/// <param name="ResultDir">The build's result dir, which is also mock's config dir.</param>
/// <param name="ConfigSource">The config file chosen in the mock configs dir.</param>
/// <param name="ConfigText">The rendered <c>mock.cfg</c>.</param>
/// <param name="RootName">The unique chroot name that replaced <c>TARGETNAME</c>.</param>
/// <param name="FilesToCopy"><c>site-defaults.cfg</c> and <c>logging.ini</c> from the mock configs dir, those that exist.</param>
public sealed record MockInvocation(
    string FileName,
    IReadOnlyList<string> Arguments,
    string ResultDir,
    string ConfigSource,
    string ConfigText,
    string RootName,
    IReadOnlyList<string> FilesToCopy)
{
    /// <summary>Name of the rendered config in the result dir; <c>-r mock</c> refers to it.</summary>
    public const string ConfigFileName = "mock.cfg";
}
