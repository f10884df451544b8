using Reimzul.Messages;
using Reimzul.Queue.Beanstalk;
using Reimzul.Queue.Embedded;
using Reimzul.Tests.Support;

namespace Reimzul.Tests.EndToEnd;

/// <summary><c>reimzul submit-repogen</c> for a target nobody built: refused, not turned into an empty repo.</summary>
public sealed class RepogenOfUnbuiltTargetFacts : IDisposable
{
    private const string Target = "c7.never.x86_64";
    private readonly Installation _install = new();

    [Fact]
    public async Task OnOneMachineATargetThatWasNeverBuiltIsRefusedAtOnceAndNothingIsQueued()
    {
        var result = await _install.RunAsync("submit-repogen", Target);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal($"reimzul: target {Target} has no builds: {_install.Repo(Target)} does not exist; not creating an empty repo\n", result.StandardError);
        Assert.Equal("", result.StandardOutput);
        Assert.False(Directory.Exists(_install.Repo(Target)));
        Assert.Equal(0, await CreaterepoReadyAsync());
    }

    [Fact]
    public async Task OnOneMachineATargetWithBuildsIsQueued()
    {
        Directory.CreateDirectory(Path.Combine(_install.Repo(Target), "hello", "20261201101500", "1.0-1.el7.noarch"));

        var result = await _install.RunAsync("submit-repogen", Target);

        Assert.True(result.Succeeded, result.StandardError);
        Assert.StartsWith($"Requested repodata regeneration of {Target}", result.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(1, await CreaterepoReadyAsync());
    }

    [Fact]
    public async Task WithManyMachinesTheRequestIsQueuedForTheRepogenWorkerOnTheBstoreHostToJudge()
    {
        using var server = new BeanstalkdServer();
        await server.InitializeAsync();
        await File.AppendAllTextAsync(_install.ConfigFile, $"\n[queue]\nbackend = beanstalkd\nport = {server.Port}\n");

        var result = await _install.RunAsync("submit-repogen", Target);

        Assert.True(result.Succeeded, result.StandardError);
        Assert.StartsWith($"Requested repodata regeneration of {Target}", result.StandardOutput, StringComparison.Ordinal);
        await using var admin = await new BeanstalkdJobQueueFactory(server.Options).OpenAdminAsync();
        Assert.Equal(1, (await admin.StatsTubeAsync(Tubes.Createrepo)).Ready);
    }

    [Fact]
    public async Task TheHelpSaysWhoRefusesATargetThatWasNeverBuilt()
    {
        var help = await _install.RunAsync("submit-repogen", "--help");

        Assert.True(help.Succeeded, help.StandardError);
        var text = string.Join(' ', help.StandardOutput.Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("A target that was never built (no repo/TARGET/ on the store) is refused", text, StringComparison.Ordinal);
        Assert.Contains("with many machines by the repogen worker on the bstore host, which buries the request with the reason", text, StringComparison.Ordinal);
    }

    private async Task<long> CreaterepoReadyAsync()
    {
        await using var admin = await new EmbeddedJobQueueFactory(Path.Combine(_install.DataDir, "queue.db")).OpenAdminAsync();
        return (await admin.StatsTubeAsync(Tubes.Createrepo)).Ready;
    }

    public void Dispose() => _install.Dispose();
}
