using Reimzul.Tests.Support;

namespace Reimzul.Tests.Cli;

/// <summary>An option given with an empty value is a slip, not "use the default".</summary>
public sealed class EmptyOptionFacts
{
    [Theory]
    [InlineData("--data-dir", "a directory")]
    [InlineData("--config", "a file")]
    public async Task AnEmptyOptionIsBadInputAndNothingRuns(string option, string what)
    {
        var result = await ReimzulCli.RunAsync("stats", option, "");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal(
            [$"reimzul: {option} is empty; give {what}, or leave the option out for the default", "Try 'reimzul stats --help' for more information."],
            result.StandardError.TrimEnd().Split('\n'));
        Assert.Equal("", result.StandardOutput);
    }

    [Fact]
    public async Task TheHelpSaysAnEmptyEnvironmentVariableCountsAsUnset()
    {
        var result = await ReimzulCli.RunAsync("stats", "--help");

        Assert.Equal(0, result.ExitCode);
        var text = string.Join(' ', result.StandardOutput.Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("an empty $REIMZUL_DATA_DIR counts as unset", text, StringComparison.Ordinal);
        Assert.Contains("an empty $REIMZUL_CONFIG counts as unset", text, StringComparison.Ordinal);
    }
}
