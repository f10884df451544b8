using Reimzul.Build;

namespace Reimzul.Tests.Build;

/// <summary>A test of sandboxed builds: reported skipped, saying why, where the build sandbox cannot start.</summary>
public sealed class SandboxFactAttribute : FactAttribute
{
    public SandboxFactAttribute()
    {
        if (TestSandbox.WhyUnavailable is { } why)
        {
            Skip = why;
        }
    }
}

/// <summary>The sandbox a default worker builds in, prepared (and so checked) once for all tests.</summary>
internal static class TestSandbox
{
    private static readonly Lazy<(BuildSandbox? Sandbox, string? Why)> Prepared = new(Prepare);

    public static BuildSandbox Default => Prepared.Value.Sandbox ?? throw new InvalidOperationException(Prepared.Value.Why);

    /// <summary>Null when sandboxed builds can run here, else why not (bwrap missing, or bwrap's own error).</summary>
    public static string? WhyUnavailable => Prepared.Value.Why;

    private static (BuildSandbox?, string?) Prepare()
    {
        if (BuildBackendFactory.FindExecutable("bwrap") is null)
        {
            return (null, "bubblewrap (bwrap) is not installed; ./scripts/install-deps.sh installs it");
        }
        try
        {
            return (BuildSandboxSetup.Prepare("bwrap", "nobody", "rpmbuild", Reimzul.Processes.ProcessRunner.Default), null);
        }
        catch (BuildSandboxUnavailableException ex)
        {
            return (null, ex.Message);
        }
    }
}
