using Reimzul.Cli;

return await ReimzulCommandLine.Build().Parse(args).InvokeAsync(new() { ProcessTerminationTimeout = null });
