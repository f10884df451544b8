using Reimzul.Rpm;

namespace Reimzul.Build;

/// The files every backend leaves in a result dir, and small helpers over them.
internal sealed class BuildResultFiles(string resultDir)
{
    public string ResultDir { get; } = resultDir;
    public string Stdout => Path.Combine(ResultDir, "stdout");
    public string Stderr => Path.Combine(ResultDir, "stderr");
    public string BuildLog => Path.Combine(ResultDir, "build.log");
    public string RootLog => Path.Combine(ResultDir, "root.log");

    /// Creates the result dir and empty stdout/stderr so they exist whatever happens next.
    public void CreateStreams()
    {
        Directory.CreateDirectory(ResultDir);
        foreach (var file in new[] { Stdout, Stderr })
        {
            using var _ = new FileStream(file, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
        }
    }

    public void AppendToStderr(string line) => File.AppendAllText(Stderr, line.EndsWith('\n') ? line : line + "\n");

    /// The tool wrote no such log: fall back to a copy of its stderr, as the original did.
    public void CopyStderrIfMissing(string logFile)
    {
        if (!File.Exists(logFile))
        {
            File.Copy(Stderr, logFile);
        }
    }

    /// Moves the RPMs found under <paramref name="rpmsDir"/> into the result dir, without following links: a link is
    /// never a result (it would publish whatever it points to). Each link is named in stderr; the problem returned,
    /// which fails the build, is the first RPM that was one. With <paramref name="copy"/> (the build ran as another
    /// user, who would still own a moved file) each RPM is copied into a new file of the worker's, readable by all.
    public (int Moved, string? Problem) CollectRpms(string rpmsDir, bool copy = false)
    {
        var moved = 0;
        string? problem = null;
        if (!Directory.Exists(rpmsDir))
        {
            return (0, null);
        }
        var pending = new Stack<DirectoryInfo>([new DirectoryInfo(rpmsDir)]);
        while (pending.TryPop(out var current))
        {
            foreach (var entry in current.EnumerateFileSystemInfos().OrderBy(e => e.Name, StringComparer.Ordinal))
            {
                if (entry.LinkTarget is { } target)
                {
                    var line = $"{Path.GetRelativePath(rpmsDir, entry.FullName)} under RPMS/ is a symbolic link to {target}; links are never results";
                    AppendToStderr(line);
                    if (entry.Name.EndsWith(".rpm", StringComparison.Ordinal))
                    {
                        problem ??= line;
                    }
                }
                else if (entry is DirectoryInfo subdir)
                {
                    pending.Push(subdir);
                }
                else if (entry.Name.EndsWith(".rpm", StringComparison.Ordinal) && UnixFileKind.NotARegularFile(entry.FullName) is { } kind)
                {
                    // Reading it (to check it, or to copy it) would block the worker for ever.
                    var line = $"{Path.GetRelativePath(rpmsDir, entry.FullName)} under RPMS/ is {kind}, not a regular file; it is never a result";
                    AppendToStderr(line);
                    problem ??= line;
                }
                else if (entry.Name.EndsWith(".rpm", StringComparison.Ordinal))
                {
                    var destination = Path.Combine(ResultDir, entry.Name);
                    if (copy)
                    {
                        CopyAsOwnFile(entry.FullName, destination);
                    }
                    else
                    {
                        File.Move(entry.FullName, destination, overwrite: true);
                    }
                    moved++;
                }
            }
        }
        return (moved, problem);
    }

    private static void CopyAsOwnFile(string source, string destination)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("builds as another user need Linux");
        }
        File.Delete(destination);
        using (var input = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read))
        using (var output = new FileStream(destination, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
        }))
        {
            input.CopyTo(output);
        }
    }

    /// Removes the links a build tool left in the result dir (it is uploaded as it is), naming each in stderr; the
    /// problem returned, which fails the build, is the first RPM that was one.
    public string? RemoveLinks()
    {
        string? problem = null;
        foreach (var entry in new DirectoryInfo(ResultDir).EnumerateFileSystemInfos().OrderBy(e => e.Name, StringComparer.Ordinal).ToList())
        {
            if (entry.LinkTarget is not { } target)
            {
                continue;
            }
            var line = $"{entry.Name} in the result dir is a symbolic link to {target}; links are never results, it was removed";
            // Deleting a link removes the link, never what it points to.
            File.Delete(entry.FullName);
            AppendToStderr(line);
            if (entry.Name.EndsWith(".rpm", StringComparison.Ordinal))
            {
                problem ??= line;
            }
        }
        return problem;
    }

    /// The first binary RPM in the result dir that is not a result of building <paramref name="srpmPath"/> for
    /// <paramref name="arch"/>, and why (each such RPM is named in stderr); null when all are. A file named *.rpm is
    /// a result only if its header parses, its SOURCERPM is this SRPM (name and version; the release carries the
    /// build's dist) and its arch fits the build: a spec can write anything into %{_rpmdir}.
    public string? CheckRpms(string srpmPath, string arch)
    {
        RpmPackageInfo srpm;
        try
        {
            srpm = RpmHeaderReader.ReadSource(srpmPath);
        }
        catch (Exception ex) when (ex is RpmFormatException or IOException)
        {
            return $"cannot read the SRPM built: {ex.Message}";
        }
        string? problem = null;
        foreach (var path in BinaryRpms())
        {
            var name = Path.GetFileName(path);
            string? why;
            try
            {
                why = WhyNotAResult(RpmHeaderReader.Read(path), srpm, arch);
            }
            catch (RpmFormatException ex)
            {
                why = $"its header does not parse ({ex.Message})";
            }
            if (why is not null)
            {
                var line = $"{name} is not a result of this build: {why}";
                AppendToStderr(line);
                problem ??= line;
            }
        }
        return problem;
    }

    private static string? WhyNotAResult(RpmPackageInfo rpm, RpmPackageInfo srpm, string arch)
    {
        if (rpm.IsSource || rpm.SourceRpm is null)
        {
            return "it is a source RPM";
        }
        if (!TrySplitSourceRpm(rpm.SourceRpm, out var name, out var version) || name != srpm.Name || version != srpm.Version)
        {
            return $"it was built from {rpm.SourceRpm}, not from {srpm.Name}-{srpm.Version}";
        }
        if (!ArchFits(rpm.Arch, arch))
        {
            return $"its arch {rpm.Arch} does not fit a build for {arch}";
        }
        return null;
    }

    // "N-V-R.src.rpm": version and release hold no '-', the name may.
    private static bool TrySplitSourceRpm(string sourceRpm, out string name, out string version)
    {
        name = version = "";
        const string suffix = ".src.rpm";
        if (!sourceRpm.EndsWith(suffix, StringComparison.Ordinal))
        {
            return false;
        }
        var nvr = sourceRpm[..^suffix.Length];
        var releaseDash = nvr.LastIndexOf('-');
        var versionDash = releaseDash > 0 ? nvr.LastIndexOf('-', releaseDash - 1) : -1;
        if (versionDash <= 0)
        {
            return false;
        }
        name = nvr[..versionDash];
        version = nvr[(versionDash + 1)..releaseDash];
        return true;
    }

    /// The arches a build for <paramref name="buildArch"/> produces: its own and noarch; i386 builds are i686 (and
    /// may be any x86 of 32 bits), armhfp builds armv7hl.
    internal static bool ArchFits(string rpmArch, string buildArch) =>
        rpmArch == buildArch || rpmArch == "noarch" || buildArch switch
        {
            "i386" => rpmArch is "i486" or "i586" or "i686",
            "armhfp" => rpmArch is "armv7hl" or "armv7hnl",
            _ => false,
        };

    /// Binary RPMs in the result dir (mock also puts the rebuilt SRPM there).
    public IReadOnlyList<string> BinaryRpms() =>
        [.. Directory.EnumerateFiles(ResultDir, "*.rpm")
            .Where(f => !f.EndsWith(".src.rpm", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)];

    /// The last non-empty line of stderr (read from its tail only: build logs can be large), or null.
    public string? LastStderrLine()
    {
        const int tail = 16 * 1024;
        using var stream = new FileStream(Stderr, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        stream.Seek(Math.Max(0, stream.Length - tail), SeekOrigin.Begin);
        using var reader = new StreamReader(stream);
        var text = reader.ReadToEnd();
        return text.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.Length > 0);
    }
}
