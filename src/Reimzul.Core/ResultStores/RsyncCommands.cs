using System.Globalization;
using Reimzul.Config;
using Reimzul.Processes;

namespace Reimzul.ResultStores;

/// <summary>
/// The rsync runs of one upload, as argument lists (never a shell line). Paths on the daemon are relative
/// to the module URL; every name in them has been checked by the caller.
/// </summary>
internal sealed class RsyncCommands(RsyncOptions options, string moduleUrl)
{
    /// <summary>Starts the lines of <see cref="Verify"/>'s report, so rsync's own notes are never taken for a difference.</summary>
    public const string DifferenceMarker = "DIFFERS:";

    // What lands on the bstore is served read-only to everybody, whatever the builder's umask was.
    // Symlinks and special files are not copied (no --links, --devices): a result holds regular files only.
    private static readonly string[] Attributes = ["--recursive", "--times", "--perms", "--chmod=D0755,F0644"];

    public string Url(string relativePath) => $"{moduleUrl}/{relativePath}/";

    /// <summary>The whole result into a private dir outside <c>repo/</c>. A retry finds what an earlier try left and sends only the rest.</summary>
    public ProcessSpec Upload(string sourceDir, string stagingPath) =>
        Spec([.. Attributes, "--mkpath", "--delete", Source(sourceDir), Url(stagingPath)]);

    /// <summary>
    /// Makes the final dir match the result by hard-linking the staged files (<c>--link-dest</c>, relative to the
    /// final dir): no data crosses the network, so files appear within milliseconds of each other. <c>--checksum</c>
    /// makes a retry replace a file whose content differs even where size and time agree.
    /// </summary>
    public ProcessSpec Publish(string sourceDir, string finalPath, string stagingPath)
    {
        var up = string.Concat(Enumerable.Repeat("../", finalPath.Split('/').Length));
        return Spec([.. Attributes, "--mkpath", "--checksum", "--delete-after", "--link-dest=" + up + stagingPath, Source(sourceDir), Url(finalPath)]);
    }

    /// <summary>
    /// A dry run that compares every file's checksum on both sides and lists each difference (a missing, extra or
    /// different file) after <see cref="DifferenceMarker"/>. Content only: the daemon may set its own modes and times.
    /// </summary>
    public ProcessSpec Verify(string sourceDir, string finalPath) =>
        Spec(["--recursive", "--checksum", "--delete", "--dry-run", "--out-format=" + DifferenceMarker + "%i %n", Source(sourceDir), Url(finalPath)]);

    /// <summary>Deletes <c>PARENT/NAME</c> (a file or a whole dir) and nothing else: the only entry not excluded, absent from the (empty) source.</summary>
    public ProcessSpec RemoveEntry(string emptyDir, string parent, string name) =>
        Spec(["--recursive", "--delete", $"--include=/{name}", $"--include=/{name}/***", "--exclude=*", Source(emptyDir), Url(parent)]);

    /// <summary>A dir of the module, with its files' times (so <see cref="UploadLinked"/> can link rather than copy), into <paramref name="localDir"/>.</summary>
    public ProcessSpec DownloadTree(string remoteDir, string localDir) =>
        Spec(["--recursive", "--times", Url(remoteDir), Source(localDir)]);

    /// <summary>
    /// <paramref name="sourceDir"/> to <paramref name="remoteDir"/>, hard-linking each file that <paramref name="linkFrom"/> (in the module)
    /// holds identical: how a dir is copied inside a module that cannot rename or copy.
    /// </summary>
    public ProcessSpec UploadLinked(string sourceDir, string remoteDir, string linkFrom)
    {
        var up = string.Concat(Enumerable.Repeat("../", remoteDir.Split('/').Length));
        return Spec([.. Attributes, "--mkpath", "--link-dest=" + up + linkFrom, Source(sourceDir), Url(remoteDir)]);
    }

    /// <summary>One file of the module into <paramref name="localDir"/>; exits 23 ("No such file") when it is not there.</summary>
    public ProcessSpec Download(string remoteFile, string localDir) =>
        Spec([$"{moduleUrl}/{remoteFile}", Source(localDir)]);

    /// <summary>One local file to <paramref name="remoteFile"/>, creating the dirs on the way.</summary>
    public ProcessSpec UploadFile(string localFile, string remoteFile) =>
        Spec(["--mkpath", "--perms", "--chmod=D0755,F0644", localFile, $"{moduleUrl}/{remoteFile}"]);

    /// <summary>The entries of a dir of the module, one a line, the name last (see <see cref="ListedNames"/>); exits 23 when there is no such dir.</summary>
    public ProcessSpec List(string remoteDir) => Spec(["--list-only", Url(remoteDir)]);

    /// <summary>The names in <see cref="List"/>'s output, without the dir itself (<c>.</c>).</summary>
    public static IReadOnlyList<string> ListedNames(string output) =>
    [
        .. output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split(' ', 5, StringSplitOptions.RemoveEmptyEntries))
            .Where(fields => fields.Length == 5 && fields[4] != ".")
            .Select(fields => fields[4]),
    ];

    private ProcessSpec Spec(string[] arguments)
    {
        var seconds = Math.Max(1, (int)Math.Ceiling(options.IoTimeout.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        List<string> all = ["--contimeout=" + seconds, "--timeout=" + seconds];
        if (options.PasswordFile is { } passwordFile)
        {
            all.Add("--password-file=" + passwordFile);
        }
        all.AddRange(arguments);
        return new ProcessSpec(options.RsyncPath, all);
    }

    // The trailing slash sends the dir's contents, not the dir itself.
    private static string Source(string dir) => Path.TrimEndingDirectorySeparator(dir) + "/";
}
