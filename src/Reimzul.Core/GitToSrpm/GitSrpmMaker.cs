using System.Diagnostics;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Reimzul.Config;
using Reimzul.Processes;
using Reimzul.Validation;

namespace Reimzul.GitToSrpm;

/// <summary>What <see cref="GitSrpmMaker"/> made: the SRPM (in the work dir) and the disttag it was built with.</summary>
public sealed record MadeSrpm(string Path, string Disttag, string Commit);

/// <summary>
/// Turns a package's git branch and ref into an SRPM, natively (no shell, no helper script): clone only the branch of
/// <c>GIT_URL/r/rpms/PKG.git</c> into a private work dir, check out the ref, fetch each source of <c>.PKG.metadata</c>
/// from <c>GIT_URL/sources/PKG/DIR/HASH</c> and verify its hash, work out the disttag when none was given
/// (<see cref="DisttagRule"/>), and <c>rpmbuild -bs</c> with <c>dist</c> defined. Git runs with hooks off, no
/// configuration but ours, no credential prompts and only http(s); the whole job is bounded by <c>[scm] timeout</c>.
/// </summary>
public sealed class GitSrpmMaker(ScmOptions scm, string rpmbuildPath = "rpmbuild", ILogger? logger = null, HttpClient? http = null)
{
    private static readonly HttpClient SharedHttp = new() { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
    private readonly ProcessRunner _runner = new(logger ?? NullLogger.Instance);
    private readonly ILogger _logger = logger ?? NullLogger.Instance;
    private readonly HttpClient _http = http ?? SharedHttp;

    /// <summary>The URL cloned for <paramref name="package"/>.</summary>
    public string RepositoryUrl(string package) => $"{scm.GitUrl}/r/rpms/{package}.git";

    /// <summary>The URL of a lookaside file.</summary>
    public string LookasideUrl(GitSource source, string hash) => $"{scm.GitUrl}/sources/{source.Package}/{source.LookasideDir}/{hash}";

    /// <summary>Makes the SRPM of <paramref name="source"/> under <paramref name="workDir"/> (an empty private dir the caller removes).</summary>
    /// <exception cref="GitSrpmException">A field is wrong, or a step failed or ran out of time (the message says which and why).</exception>
    public async Task<MadeSrpm> MakeAsync(GitSource source, string workDir, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (source.Problem() is { } problem)
        {
            throw new GitSrpmException(problem);
        }
        var started = Stopwatch.StartNew();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(scm.Timeout);
        try
        {
            return await MakeWithinAsync(source, workDir, started, deadline.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new GitSrpmException($"making the SRPM of {source.Package} {source.Branch} {source.Ref} took longer than [scm] timeout ({scm.Timeout.TotalSeconds:0} s) and was stopped");
        }
    }

    private async Task<MadeSrpm> MakeWithinAsync(GitSource source, string workDir, Stopwatch started, CancellationToken ct)
    {
        var checkout = Path.Combine(workDir, "checkout");
        await GitAsync(workDir, started, $"cloning branch {source.Branch} of {source.Package}",
            ["clone", "--quiet", "--no-tags", "--single-branch", "--branch", source.Branch, "--", RepositoryUrl(source.Package), checkout], ct);
        string commit;
        try
        {
            commit = (await GitAsync(checkout, started, $"finding ref {source.Ref} on branch {source.Branch}",
                ["rev-parse", "--verify", "--quiet", "--end-of-options", source.Ref + "^{commit}"], ct)).Trim();
        }
        catch (GitSrpmException ex)
        {
            throw new GitSrpmException($"ref {source.Ref} is not a commit on branch {source.Branch} of {source.Package}", ex);
        }
        await GitAsync(checkout, started, $"checking out {commit}", ["checkout", "--quiet", "--detach", commit], ct);

        await FetchSourcesAsync(source, checkout, started, ct);

        var spec = Path.Combine(checkout, "SPECS", source.Package + ".spec");
        if (!File.Exists(spec))
        {
            throw new GitSrpmException($"{source.Package} {source.Branch} at {Short(commit)} has no SPECS/{source.Package}.spec");
        }
        var disttag = source.Disttag.Length > 0 ? source.Disttag : await DetectDisttagAsync(source, checkout, spec, started, ct);
        var output = Path.Combine(workDir, "srpm");
        Directory.CreateDirectory(output);
        var result = await RunAsync(new ProcessSpec(rpmbuildPath,
        [
            "-bs", "--nodeps",
            "--define", $"_topdir {checkout}",
            "--define", $"_sourcedir {Path.Combine(checkout, "SOURCES")}",
            "--define", $"_specdir {Path.Combine(checkout, "SPECS")}",
            "--define", $"_srcrpmdir {output}",
            "--define", disttag.Length > 0 ? $"dist {disttag}" : "dist %{nil}",
            spec,
        ]) { WorkingDirectory = checkout, Environment = ToolEnvironment(workDir) }, started, ct);
        if (!result.Succeeded)
        {
            throw new GitSrpmException($"rpmbuild -bs of {source.Package} failed (exit {result.ExitCode}): {Tail(result.StandardError, checkout)}");
        }
        var made = Directory.GetFiles(output, "*.src.rpm");
        return made.Length == 1
            ? new MadeSrpm(made[0], disttag, commit)
            : throw new GitSrpmException($"rpmbuild -bs of {source.Package} wrote {made.Length} SRPMs, expected one");
    }

    private async Task FetchSourcesAsync(GitSource source, string checkout, Stopwatch started, CancellationToken ct)
    {
        var metadataName = $".{source.Package}.metadata";
        var metadataPath = Path.Combine(checkout, metadataName);
        if (!File.Exists(metadataPath))
        {
            return;
        }
        if (new FileInfo(metadataPath).Length > 1 << 20)
        {
            throw new GitSrpmException($"{metadataName} is larger than 1 MiB");
        }
        var sources = SourcesMetadata.Parse(await File.ReadAllTextAsync(metadataPath, ct), metadataName);
        var root = Path.GetFullPath(checkout) + "/";
        foreach (var entry in sources)
        {
            var destination = Path.GetFullPath(Path.Combine(checkout, entry.RelativePath));
            if (!destination.StartsWith(root, StringComparison.Ordinal) || IsSymlinkOnTheWay(checkout, entry.RelativePath))
            {
                throw new GitSrpmException($"{metadataName}: {Printable.Quote(entry.RelativePath)} leaves the checkout");
            }
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            if (entry.Hash == LookasideHash.EmptyFileSha1)
            {
                await File.WriteAllBytesAsync(destination, [], ct);
                continue;
            }
            await DownloadAsync(source, entry, destination, started, ct);
        }
    }

    // A committed symlink (SOURCES -> /etc) must not carry a download outside the work dir.
    private static bool IsSymlinkOnTheWay(string checkout, string relativePath)
    {
        var path = checkout;
        foreach (var part in relativePath.Split('/'))
        {
            path = Path.Combine(path, part);
            if (new FileInfo(path) is { Exists: true, LinkTarget: not null } || new DirectoryInfo(path) is { Exists: true, LinkTarget: not null })
            {
                return true;
            }
        }
        return false;
    }

    private async Task DownloadAsync(GitSource source, LookasideSource entry, string destination, Stopwatch started, CancellationToken ct)
    {
        var url = LookasideUrl(source, entry.Hash);
        var algorithm = LookasideHash.AlgorithmOf(entry.Hash)!.Value;
        using var hash = IncrementalHash.CreateHash(algorithm);
        var temporary = destination + ".part";
        try
        {
            using var response = await _http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, ct);
            if (!response.IsSuccessStatusCode)
            {
                throw new GitSrpmException($"lookaside source {entry.RelativePath} ({entry.Hash}) is not at {url}: HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
            }
            if (response.Content.Headers.ContentLength > scm.MaxSourceBytes)
            {
                throw new GitSrpmException($"lookaside source {entry.RelativePath} is {response.Content.Headers.ContentLength} bytes, more than [scm] max_source_mb allows");
            }
            await using (var body = await response.Content.ReadAsStreamAsync(ct))
            await using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
            {
                var buffer = new byte[1 << 16];
                long total = 0;
                int read;
                while ((read = await body.ReadAsync(buffer, ct)) > 0)
                {
                    total += read;
                    if (total > scm.MaxSourceBytes)
                    {
                        throw new GitSrpmException($"lookaside source {entry.RelativePath} is larger than [scm] max_source_mb allows");
                    }
                    hash.AppendData(buffer, 0, read);
                    await file.WriteAsync(buffer.AsMemory(0, read), ct);
                }
            }
            var actual = Convert.ToHexStringLower(hash.GetHashAndReset());
            if (actual != entry.Hash)
            {
                throw new GitSrpmException($"lookaside source {entry.RelativePath} from {url} has {algorithm.Name!.ToLowerInvariant()} {actual}, but .{source.Package}.metadata says {entry.Hash}: refusing it");
            }
            File.Move(temporary, destination, overwrite: true);
            _logger.LogInformation("fetched {Source} ({Hash}) for {Package} after {Elapsed} ms", entry.RelativePath, entry.Hash, source.Package, started.ElapsedMilliseconds);
        }
        catch (HttpRequestException ex)
        {
            throw new GitSrpmException($"lookaside source {entry.RelativePath} could not be fetched from {url}: {ex.Message}", ex);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    private async Task<string> DetectDisttagAsync(GitSource source, string checkout, string spec, Stopwatch started, CancellationToken ct)
    {
        var subjects = await GitAsync(checkout, started, "reading the history", ["log", "--format=%s", "--max-count=10000", "HEAD"], ct);
        var subject = DisttagRule.ImportSubject(subjects.Split('\n'))
            ?? throw new GitSrpmException($"no disttag given and no \"import\" commit on {source.Branch} to work it out from: give one (-d/--disttag)");
        var imported = DisttagRule.ImportedNvr(subject)
            ?? throw new GitSrpmException($"no disttag given and the import commit {Printable.Quote(subject)} names no NVR: give one (-d/--disttag)");
        var result = await RunAsync(new ProcessSpec("rpmspec",
        [
            "-q", "--srpm",
            "--define", $"_topdir {checkout}",
            "--define", $"dist {DisttagRule.Placeholder}",
            "--qf", "%{name}-%{version}-%{release}\n",
            spec,
        ]) { WorkingDirectory = checkout, Environment = ToolEnvironment(Path.GetDirectoryName(checkout)!) }, started, ct);
        if (!result.Succeeded)
        {
            throw new GitSrpmException($"rpmspec could not read SPECS/{source.Package}.spec (exit {result.ExitCode}): {Tail(result.StandardError, checkout)}");
        }
        var specNvr = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "";
        var disttag = DisttagRule.Detect(specNvr, imported)
            ?? throw new GitSrpmException($"no disttag given, and the import commit's {imported} does not fit the spec's {specNvr.Replace(DisttagRule.Placeholder, "%{dist}", StringComparison.Ordinal)}: give one (-d/--disttag)");
        if (disttag.Length > 0 && !InputRules.TryValidateDisttag(disttag, out var error))
        {
            throw new GitSrpmException($"the disttag worked out from {imported} is not usable: {error}");
        }
        _logger.LogInformation("disttag of {Package} {Branch}: {Disttag} (from {Imported})", source.Package, source.Branch, disttag.Length > 0 ? disttag : "(none)", imported);
        return disttag;
    }

    // Every git run: no hooks, no system or user configuration, no prompt for credentials, http(s) only, and nothing
    // from the request among the options (the request's names come after "--" or as validated values).
    private async Task<string> GitAsync(string directory, Stopwatch started, string what, string[] arguments, CancellationToken ct)
    {
        Directory.CreateDirectory(directory);
        string[] safety = ["-c", "core.hooksPath=/dev/null", "-c", "protocol.allow=never", "-c", "protocol.https.allow=always", "-c", "protocol.http.allow=always",
            "-c", "credential.helper=", "-c", "core.askPass=", "-c", "http.followRedirects=initial", "-c", "advice.detachedHead=false"];
        var result = await RunAsync(new ProcessSpec(scm.GitPath, [.. safety, .. arguments])
        {
            WorkingDirectory = directory,
            Environment = ToolEnvironment(directory),
        }, started, ct);
        if (!result.Succeeded)
        {
            throw new GitSrpmException($"{what} failed: {Tail(result.StandardError, directory)}");
        }
        return result.StandardOutput;
    }

    private static Dictionary<string, string?> ToolEnvironment(string home) => new()
    {
        ["GIT_TERMINAL_PROMPT"] = "0",
        ["GIT_ASKPASS"] = "/bin/false",
        ["SSH_ASKPASS"] = "/bin/false",
        ["GIT_CONFIG_NOSYSTEM"] = "1",
        ["GIT_CONFIG_GLOBAL"] = "/dev/null",
        ["GIT_PROTOCOL_FROM_USER"] = "0",
        ["GIT_ALLOW_PROTOCOL"] = "http:https",
        ["HOME"] = home,
        ["LC_ALL"] = "C",
    };

    private async Task<ProcessResult> RunAsync(ProcessSpec spec, Stopwatch started, CancellationToken ct)
    {
        var left = scm.Timeout - started.Elapsed;
        if (left <= TimeSpan.Zero)
        {
            throw new OperationCanceledException(ct);
        }
        try
        {
            var result = await _runner.RunAsync(spec with { Timeout = left }, ct);
            if (result.TimedOut)
            {
                throw new OperationCanceledException(ct);
            }
            return result;
        }
        catch (ProcessStartException ex)
        {
            throw new GitSrpmException($"cannot run {Path.GetFileName(spec.FileName)} on this server: {ex.Message}", ex);
        }
    }

    private static string Short(string commit) => commit.Length > 12 ? commit[..12] : commit;

    // The last lines of a tool's complaint, without the server's work dir.
    private static string Tail(string stderr, string workDir)
    {
        var lines = stderr.Replace(workDir, ".", StringComparison.Ordinal).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var tail = string.Join(" | ", lines.TakeLast(4));
        return tail.Length == 0 ? "(no message)" : Printable.Quote(tail.Length > 600 ? tail[^600..] : tail);
    }
}
