using Reimzul.Build;

namespace Reimzul.Tests.Build;

/// <summary>A test of sandboxed builds: reported skipped, saying why, where bubblewrap is not installed.</summary>
public sealed class SandboxFactAttribute : FactAttribute
{
    public SandboxFactAttribute()
    {
        if (BuildBackendFactory.FindExecutable("bwrap") is null)
        {
            Skip = "bubblewrap (bwrap) is not installed; ./scripts/install-deps.sh installs it";
        }
    }
}

/// <summary>The sandbox a default worker builds in, prepared (and so checked) once for all tests.</summary>
internal static class TestSandbox
{
    private static readonly Lazy<BuildSandbox> Prepared = new(() =>
        BuildSandboxSetup.Prepare("bwrap", "nobody", "rpmbuild", Reimzul.Processes.ProcessRunner.Default));

    public static BuildSandbox Default => Prepared.Value;
}
