using Reimzul.Processes;
using Reimzul.Tests.Support;

namespace Reimzul.Tests.EndToEnd;

/// <summary>A full results disk is reported and the job waits; it is built once there is room. Needs root (mounts a tmpfs).</summary>
public sealed class DiskFullFacts : IDisposable
{
    private readonly Installation _install;
    private readonly TempDir _tiny = new("reimzul-tiny");
    private readonly string _results;

    public DiskFullFacts()
    {
        _results = _tiny.Path;
        _install = new Installation($"""

            [paths]
            results = {_results}
            """);
    }

    [Fact]
    public async Task AFullResultsDiskIsReportedAndTheJobIsBuiltOnceThereIsRoom()
    {
        Assert.True(Environment.UserName == "root", "this test mounts a tmpfs and must run as root (as the test command does)");
        await Mount("size=1m");
        try
        {
            var srpm = await _install.MakeSrpmAsync(SrpmFactory.NoarchSpec("roomy"));
            await using var up = await _install.StartUpAsync(workers: 1);
            await _install.SubmitAsync(srpm, "c7.full", "noarch");

            await up.WaitForLineAsync("MiB free", TimeSpan.FromSeconds(30));
            Assert.DoesNotContain(_install.Log(), l => l.Srpm == "roomy-1.0-1.src.rpm" && l.Status == "Success");

            await Mount("remount,size=256m");
            var lines = await _install.WaitForResultsAsync("roomy-1.0-1.src.rpm", "noarch");
            Assert.Equal("Success", lines[^1].Status);
            await _install.WaitForRepoAsync("c7.full.noarch", "roomy-1.0-1.el7.noarch");
        }
        finally
        {
            await ProcessRunner.Default.RunAsync(new ProcessSpec("umount", ["-l", _results]));
        }
    }

    private async Task Mount(string options)
    {
        var result = await ProcessRunner.Default.RunAsync(new ProcessSpec("mount", ["-t", "tmpfs", "-o", options, "tmpfs", _results]));
        Assert.True(result.Succeeded, $"mount failed: {result.StandardError}");
    }

    public void Dispose()
    {
        _install.Dispose();
        _tiny.Dispose();
    }
}
