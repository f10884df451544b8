using Reimzul.Config;
using Reimzul.Processes;
using Reimzul.ResultStores;
using Reimzul.Submit;

namespace Reimzul.Cli;

/// <summary>Runs a command body and turns expected failures into one clear line on stderr and an exit code.</summary>
public static class CommandRunner
{
    public static async Task<int> RunAsync(Func<Task<int>> body)
    {
        try
        {
            return await body();
        }
        catch (CliException ex)
        {
            await Console.Error.WriteLineAsync($"reimzul: {ex.Message}");
            return ex.ExitCode;
        }
        catch (SubmitRefusedException ex)
        {
            await Console.Error.WriteLineAsync($"reimzul: {ex.Message}");
            return ExitCodes.BadInput;
        }
        catch (SubmitUnavailableException ex)
        {
            await Console.Error.WriteLineAsync($"reimzul: {ex.Message}");
            return ExitCodes.Failure;
        }
        catch (Reimzul.Config.ConfigException ex)
        {
            await Console.Error.WriteLineAsync($"reimzul: configuration error: {ex.Message}");
            return ExitCodes.Config;
        }
        catch (Exception ex) when (ex is Reimzul.History.HistoryUnavailableException or Reimzul.History.HistorySchemaException)
        {
            await Console.Error.WriteLineAsync($"reimzul: {ex.Message}");
            return ExitCodes.Failure;
        }
        catch (ProcessStartException ex)
        {
            await Console.Error.WriteLineAsync($"reimzul: {ex.Message}");
            return ExitCodes.Failure;
        }
        catch (IOException ex)
        {
            await Console.Error.WriteLineAsync($"reimzul: {ex.Message}");
            return ExitCodes.Failure;
        }
        catch (UnauthorizedAccessException ex)
        {
            await Console.Error.WriteLineAsync($"reimzul: {ex.Message}");
            return ExitCodes.Failure;
        }
    }
}
