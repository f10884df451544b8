using Reimzul.Processes;
using Reimzul.Tests.Support;

namespace Reimzul.Tests.Cli;

/// <summary>One exit-code scheme for the whole program: 0 ok, 1 failure outside the input, 2 bad input and usage errors, 3 bad configuration.</summary>
public sealed class ExitCodeFacts : IDisposable
{
    private readonly TempDir _dir = new("reimzul-exit");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task AMissingRequiredOptionIsOneLineAndExitCode2WithoutTheHelp()
    {
        var result = await ReimzulCli.RunAsync("submit", "-s", "x-1.0-1.src.rpm", "-a", "x86_64", "-t", "c7");

        AssertUsageError(result, "reimzul: Option '--disttag' is required.", "Try 'reimzul submit --help' for more information.");
    }

    [Fact]
    public async Task AnUnknownOptionIsExitCode2()
    {
        var result = await ReimzulCli.RunAsync("stats", "--bogus");

        AssertUsageError(result, "reimzul: Unrecognized command or argument '--bogus'.", "Try 'reimzul stats --help' for more information.");
    }

    [Fact]
    public async Task AnUnknownCommandWithHelpIsAUsageErrorNotTheRootHelp()
    {
        var result = await ReimzulCli.RunAsync("no-such-command", "--help");

        AssertUsageError(result, "reimzul: Unrecognized command or argument 'no-such-command'.", "Try 'reimzul --help' for more information.");
    }

    [Fact]
    public async Task ADataDirThatIsAFileIsBadInput()
    {
        var file = _dir.Combine("plain-file");
        await File.WriteAllTextAsync(file, "");

        var result = await ReimzulCli.RunAsync("stats", "--data-dir", file);

        AssertUsageError(result, $"reimzul: --data-dir '{file}' is a file, not a directory", "Try 'reimzul stats --help' for more information.");
    }

    [Fact]
    public async Task ADataDirUnderAFileIsBadInput()
    {
        var file = _dir.Combine("plain-file");
        await File.WriteAllTextAsync(file, "");

        var result = await ReimzulCli.RunAsync("stats", "--data-dir", Path.Combine(file, "data"));

        AssertUsageError(result, $"reimzul: --data-dir '{Path.Combine(file, "data")}' cannot be created: '{file}' is not a directory", "Try 'reimzul stats --help' for more information.");
    }

    [Fact]
    public async Task HelpOfACommandWithRequiredOptionsStillWorks()
    {
        var result = await ReimzulCli.RunAsync("submit", "--help");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("--srpm", result.StandardOutput, StringComparison.Ordinal);
        Assert.Equal("", result.StandardError);
    }

    [Fact]
    public async Task TheRootHelpDocumentsTheExitCodes()
    {
        var result = await ReimzulCli.RunAsync("--help");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Exit codes, the same for every subcommand:", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("2  bad input", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("3  bad configuration", result.StandardOutput, StringComparison.Ordinal);
    }

    private static void AssertUsageError(ProcessResult result, params string[] lines)
    {
        Assert.Equal(2, result.ExitCode);
        Assert.Equal(lines, result.StandardError.TrimEnd().Split('\n'));
        Assert.Equal("", result.StandardOutput);
    }
}
