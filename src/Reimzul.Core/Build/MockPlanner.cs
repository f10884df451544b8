using System.Diagnostics.CodeAnalysis;

namespace Reimzul.Build;

/// <summary>Works out a mock build (config file, rendered config, argv) from a request; reads the configs dir, writes nothing.</summary>
/// <param name="mockPath">The mock program.</param>
/// <param name="mockConfigsDir">Holds <c>TARGET.cfg</c>, per-package <c>NAME-EVR.ARCH.cfg</c> overrides, <c>site-defaults.cfg</c>, <c>logging.ini</c>.</param>
/// <param name="bstoreBaseUrl">Replaces <c>http://repohost</c> in the configs.</param>
public sealed class MockPlanner(string mockPath, string mockConfigsDir, string bstoreBaseUrl)
{
    private const string RepoHostPlaceholder = "http://repohost";
    private const string RootNamePlaceholder = "TARGETNAME";
    private static readonly string[] CopiedFiles = ["site-defaults.cfg", "logging.ini"];

    // Chained builds run on the parent's target but need the config of their own arch.
    private static readonly string[] ChainedArches = ["i386", "noarch", "ppc"];

    /// <summary>Plans the build, or says why it cannot be built (bad request values, no config, unreadable config).</summary>
    public bool TryPlan(BuildRequest request, [NotNullWhen(true)] out MockInvocation? invocation, [NotNullWhen(false)] out string? problem)
    {
        ArgumentNullException.ThrowIfNull(request);
        invocation = null;
        // These end up in file names and in mock.cfg, which mock runs as Python.
        problem = BuildRequestChecks.DisttagProblem(request.Disttag)
            ?? BuildRequestChecks.NameProblem("package name", request.PkgName)
            ?? BuildRequestChecks.NameProblem("evr", request.Evr)
            ?? BuildRequestChecks.NameProblem("arch", request.Arch)
            ?? BuildRequestChecks.NameProblem("target", request.Target)
            ?? BuildRequestChecks.NameProblem("timestamp", request.Timestamp);
        if (problem is not null)
        {
            return false;
        }

        var configTarget = ConfigTarget(request.Target, request.Arch);
        var overrideFile = Path.Combine(mockConfigsDir, $"{request.PkgName}-{request.Evr}.{request.Arch}.cfg");
        var targetFile = Path.Combine(mockConfigsDir, configTarget + ".cfg");
        var source = File.Exists(overrideFile) ? overrideFile : File.Exists(targetFile) ? targetFile : null;
        if (source is null)
        {
            problem = $"no mock config for {request.PkgName}-{request.Evr}.{request.Arch} on {request.Target}: neither {overrideFile} nor {targetFile} exists";
            return false;
        }

        string template;
        try
        {
            template = File.ReadAllText(source);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            problem = $"cannot read mock config {source}: {ex.Message}";
            return false;
        }

        var rootName = $"{configTarget}-{request.Timestamp}";
        var text = template
            .Replace(RepoHostPlaceholder, bstoreBaseUrl.TrimEnd('/'), StringComparison.Ordinal)
            .Replace(RootNamePlaceholder, rootName, StringComparison.Ordinal);
        var resultDir = Path.GetFullPath(request.ResultDir);
        string[] arguments =
        [
            "-r", "mock",
            "--configdir=" + resultDir,
            "--resultdir=" + resultDir,
            "--define", BuildRequestChecks.DistDefine(request.Disttag),
            "--cleanup-after",
            Path.GetFullPath(request.SrpmPath),
        ];
        string[] copies = [.. CopiedFiles.Select(f => Path.Combine(mockConfigsDir, f)).Where(File.Exists)];
        invocation = new MockInvocation(mockPath, arguments, resultDir, source, text, rootName, copies);
        return true;
    }

    /// <summary>The config name for a build: the target, with its arch part replaced for a chained i386, noarch or ppc build.</summary>
    internal static string ConfigTarget(string target, string arch)
    {
        var dot = target.LastIndexOf('.');
        var targetArch = dot < 0 ? "" : target[(dot + 1)..];
        if (arch == targetArch || !ChainedArches.Contains(arch))
        {
            return target;
        }
        return (dot < 0 ? target : target[..dot]) + "." + arch;
    }
}
