using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Reimzul.Files;
using Reimzul.Validation;

namespace Reimzul.Protocol;

/// <summary>
/// Builds and checks <see cref="ResultManifest"/>s. Both ends check: the worker to fail early on a result that can never
/// be stored, bstore because a manifest names paths on its disk.
/// </summary>
public static class ResultManifests
{
    /// <summary>More files than any build makes; a bound on what one manifest may ask bstore to hold.</summary>
    public const int MaxFiles = 10_000;

    // RPM file names and mock's logs (hw_info.log, installed_pkgs.log); nothing a URL, shell or glob would interpret.
    private const string FileNamePunctuation = "._+~^-@=,";

    /// <summary>The manifest of the flat result dir <paramref name="resultDir"/>: every file, hashed.</summary>
    /// <exception cref="InvalidDataException">The dir holds a symbolic link, a subdirectory or a file whose name cannot be stored.</exception>
    public static async Task<ResultManifest> FromDirectoryAsync(string resultDir, string target, string pkgName, string timestamp, string evr, string arch, CancellationToken cancellationToken)
    {
        if (FindLink(resultDir) is { } link)
        {
            throw new InvalidDataException($"result dir {resultDir}: {link}; only regular files can be uploaded");
        }
        if (Directory.EnumerateDirectories(resultDir).FirstOrDefault() is { } subdir)
        {
            throw new InvalidDataException($"result dir {resultDir} holds a subdirectory ({Path.GetFileName(subdir)}); only files can be uploaded");
        }
        var paths = Directory.EnumerateFiles(resultDir).Order(StringComparer.Ordinal).ToList();
        foreach (var path in paths)
        {
            if (!TryValidateFileName(Path.GetFileName(path), out var error))
            {
                throw new InvalidDataException($"result dir {resultDir}: {error}");
            }
        }
        // Hashing is most of the cost before the first byte is sent; spread it over the cores.
        var files = new ManifestFile[paths.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, paths.Count), new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = Environment.ProcessorCount },
            async (i, token) => files[i] = new ManifestFile(Path.GetFileName(paths[i]), new FileInfo(paths[i]).Length, await FileDigest.Sha256HexAsync(paths[i], token).ConfigureAwait(false))).ConfigureAwait(false);
        var manifest = new ResultManifest { Target = target, PkgName = pkgName, Timestamp = timestamp, Evr = evr, Arch = arch, Files = files };
        return TryValidate(manifest, out var invalid) ? manifest : throw new InvalidDataException(invalid);
    }

    /// <summary>
    /// Why <paramref name="dir"/> cannot be a result: the first symbolic link in it or its subdirectories, or null. A
    /// result is regular files, read where they are; a link would publish whatever it points to.
    /// </summary>
    public static string? FindLink(string dir)
    {
        var pending = new Stack<DirectoryInfo>([new DirectoryInfo(dir)]);
        while (pending.TryPop(out var current))
        {
            foreach (var entry in current.EnumerateFileSystemInfos())
            {
                if (entry.LinkTarget is { } linkTarget)
                {
                    return $"{Printable.Quote(Path.GetRelativePath(dir, entry.FullName))} is a symbolic link (to {Printable.Quote(linkTarget)}), not a regular file";
                }
                if (entry is DirectoryInfo subdir)
                {
                    pending.Push(subdir);
                }
            }
        }
        return null;
    }

    /// <summary>Every name a path component that stays in its dir, every file listed once with a size and a SHA-256.</summary>
    public static bool TryValidate(ResultManifest manifest, out string error)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        if (!InputRules.TryValidateTarget(manifest.Target, out error)
            || !InputRules.TryValidatePathComponent("pkgname", manifest.PkgName, out error)
            || !InputRules.TryValidatePathComponent("timestamp", manifest.Timestamp, out error)
            || !InputRules.TryValidatePathComponent("evr", manifest.Evr, out error)
            || !InputRules.TryValidatePathComponent("arch", manifest.Arch, out error))
        {
            return false;
        }
        if (manifest.PkgName is "repodata")
        {
            error = "pkgname 'repodata' is reserved for the repo's metadata";
            return false;
        }
        if (manifest.Files is null || manifest.Files.Count == 0)
        {
            error = "the manifest lists no files";
            return false;
        }
        if (manifest.Files.Count > MaxFiles)
        {
            error = $"the manifest lists {manifest.Files.Count} files; the limit is {MaxFiles}";
            return false;
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in manifest.Files)
        {
            if (file is null)
            {
                error = "the manifest lists a null file";
                return false;
            }
            if (!TryValidateFileName(file.Name, out error))
            {
                return false;
            }
            if (!seen.Add(file.Name))
            {
                error = $"file {Printable.Quote(file.Name)} is listed twice";
                return false;
            }
            if (file.Size < 0)
            {
                error = $"file {Printable.Quote(file.Name)} has a negative size";
                return false;
            }
            if (!FileDigest.IsSha256Hex(file.Sha256))
            {
                error = $"file {Printable.Quote(file.Name)}: sha256 must be 64 hex digits";
                return false;
            }
        }
        error = "";
        return true;
    }

    /// <summary>A file name in a result dir: one path component of safe characters, not hidden.</summary>
    public static bool TryValidateFileName(string? name, out string error)
    {
        if (string.IsNullOrEmpty(name))
        {
            error = "a file name is empty";
            return false;
        }
        if (Encoding.UTF8.GetByteCount(name) > InputRules.MaxNameBytes)
        {
            error = $"file name {Printable.Quote(name)} is longer than {InputRules.MaxNameBytes} bytes";
            return false;
        }
        if (name[0] == '.')
        {
            error = name is "." or ".."
                ? $"file name {Printable.Quote(name)} names a directory, not a file in the result dir"
                : $"file name {Printable.Quote(name)} starts with '.'; hidden names are reserved for bstore's temporary files";
            return false;
        }
        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && !FileNamePunctuation.Contains(c, StringComparison.Ordinal))
            {
                error = c == '/'
                    ? $"file name {Printable.Quote(name)} contains '/'; a result dir is flat"
                    : $"file name {Printable.Quote(name)} contains {Printable.Quote(c.ToString())}; allowed are letters, digits and {string.Join(' ', FileNamePunctuation.ToCharArray())}";
                return false;
            }
        }
        error = "";
        return true;
    }

    /// <summary>
    /// The upload id of a manifest: the same manifest always gets the same id, so a retried upload finds what it sent before.
    /// 32 hex digits, which makes it a safe directory name.
    /// </summary>
    public static string UploadId(ResultManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var canonical = manifest with { Files = [.. manifest.Files.OrderBy(f => f.Name, StringComparer.Ordinal).Select(f => f with { Sha256 = f.Sha256.ToLowerInvariant() })] };
        var bytes = JsonSerializer.SerializeToUtf8Bytes(canonical, RemoteJsonContext.Default.ResultManifest);
        return Convert.ToHexStringLower(SHA256.HashData(bytes))[..32];
    }

    /// <summary>
    /// The words of a refusal to store a result where a different one is published (bstore answers it with 409). Clients
    /// tell it from bstore's other 409 (an upload lacking files, worth a retry) by these words: it is final.
    /// </summary>
    public const string TakenByADifferentResult = "is taken by a different result";

    /// <summary>Why <paramref name="location"/> cannot take a result: a different one is published there.</summary>
    public static string LocationTaken(string location) =>
        $"{location} {TakenByADifferentResult}; a published result is never replaced (build it again under a new timestamp)";

    /// <summary>Whether <paramref name="message"/> is a refusal made by <see cref="LocationTaken"/>.</summary>
    public static bool IsLocationTaken(string? message) => message?.Contains(TakenByADifferentResult, StringComparison.Ordinal) == true;

    /// <summary>
    /// The words of a refusal to publish a package the target already publishes from another build (bstore answers it
    /// with 409); final, like <see cref="TakenByADifferentResult"/>.
    /// </summary>
    public const string AlreadyPublishedWords = "is already published in target";

    /// <summary>Why a result holding <paramref name="nevra"/> is refused: build <paramref name="build"/> (<c>PKGNAME/TIMESTAMP</c>) publishes it.</summary>
    public static string AlreadyPublished(string nevra, string target, string build)
    {
        ArgumentNullException.ThrowIfNull(build);
        var slash = build.IndexOf('/', StringComparison.Ordinal);
        var timestamp = slash < 0 ? build : build[(slash + 1)..];
        return $"{nevra} {AlreadyPublishedWords} {target} by build {timestamp}; resubmit with --replace to replace it";
    }

    /// <summary>Whether <paramref name="message"/> is a refusal made by <see cref="AlreadyPublished"/>.</summary>
    public static bool IsAlreadyPublished(string? message) => message?.Contains(AlreadyPublishedWords, StringComparison.Ordinal) == true;

    /// <summary>The result's place under the repo, with a trailing slash.</summary>
    public static string Location(ResultManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        return $"{manifest.Target}/{manifest.PkgName}/{manifest.Timestamp}/{manifest.Evr}.{manifest.Arch}/";
    }
}
