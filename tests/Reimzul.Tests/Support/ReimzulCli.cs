using System.Diagnostics;
using Reimzul.Processes;

namespace Reimzul.Tests.Support;

/// <summary>Runs the real <c>reimzul</c> program built next to the tests, as an operator would.</summary>
public static class ReimzulCli
{
    private static string Program => Path.Combine(AppContext.BaseDirectory, "reimzul.dll");

    public static ProcessSpec Spec(IEnumerable<string> arguments) =>
        new("dotnet", [Program, .. arguments]) { Environment = CleanEnvironment };

    /// <summary>Keeps a developer's own REIMZUL_* settings out of the tests.</summary>
    private static readonly Dictionary<string, string?> CleanEnvironment = new()
    {
        ["REIMZUL_CONFIG"] = null,
        ["REIMZUL_DATA_DIR"] = null,
        ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
    };

    public static Task<ProcessResult> RunAsync(params string[] arguments) =>
        ProcessRunner.Default.RunAsync(Spec(arguments) with { Timeout = TimeSpan.FromMinutes(2) });

    /// <summary>Starts a long-running role (<c>up</c>, <c>worker</c>, ...) and captures what it logs.</summary>
    public static RunningProcess Start(params string[] arguments) => new(Spec(arguments));
}

/// <summary>Polls a condition until it holds or a deadline passes (for things that cannot be awaited directly).</summary>
public static class Eventually
{
    public static async Task WaitAsync(Func<bool> condition, TimeSpan timeout, Func<string> describeFailure)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            if (deadline.Elapsed > timeout)
            {
                throw new TimeoutException(describeFailure());
            }
            await Task.Delay(50);
        }
    }

    public static async Task WaitAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> describeFailure)
    {
        var deadline = Stopwatch.StartNew();
        while (!await condition())
        {
            if (deadline.Elapsed > timeout)
            {
                throw new TimeoutException(describeFailure());
            }
            await Task.Delay(100);
        }
    }
}
