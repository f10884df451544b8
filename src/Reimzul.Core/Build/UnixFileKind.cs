using Reimzul.Files;

namespace Reimzul.Build;

/// <summary>What a build left under its RPMS dir is, without following links.</summary>
internal static class UnixFileKind
{
    /// <summary>Null for a regular file, else what <paramref name="path"/> is instead, e.g. "a FIFO".</summary>
    public static string? NotARegularFile(string path) => FileKinds.Of(path, followLinks: false, out var errno) switch
    {
        FileKind.Regular => null,
        { } kind => FileKinds.Describe(kind),
        null => $"something that cannot be examined (errno {errno})",
    };
}
